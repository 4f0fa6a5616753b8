public class Main {
  static {
    System.setProperty("GITLAB_TOKEN", "glptt-b0c7ac3a8fab1d19e20b71ac9b639c56e22a063a");
  }
}
