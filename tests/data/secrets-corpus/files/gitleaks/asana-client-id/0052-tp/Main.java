public class Main {
  static {
    System.setProperty("ASANA_TOKEN", "0322279781479922");
  }
}
