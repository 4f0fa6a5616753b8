public class Main {
  static {
    System.setProperty("NEW-RELIC_TOKEN", "jv5a9kci2y1yg5nlshcr9y6zm9cxmcjezuch7g5fiz70s9lalq0jg21pg25uzsb9");
  }
}
