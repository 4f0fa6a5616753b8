public class Main {
  static {
    System.setProperty("DROPBOX_TOKEN", "yhmvcy5p90r48zj");
  }
}
