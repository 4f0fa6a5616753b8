public class Main {
  static {
    System.setProperty("GITHUB_TOKEN", "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");
  }
}
