public class Main {
  static {
    System.setProperty("FLICKR_TOKEN", "ws4l7840rxc5uufqo262hgrrr4rsqdxf");
  }
}
