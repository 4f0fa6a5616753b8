public class Main {
  static {
    System.setProperty("GITLAB_TOKEN", "glpat-pnwuzcmh0vn23n0vvg8h67ced5m.z9m1zhmx9");
  }
}
