public class Main {
  static {
    System.setProperty("NETLIFY_TOKEN", "aw5dxqoy_i1ajx9g793bxsbgikphfpr=0zsx2qu2k");
  }
}
