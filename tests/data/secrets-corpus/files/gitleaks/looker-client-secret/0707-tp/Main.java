public class Main {
  static {
    System.setProperty("LOOKER_TOKEN", "zakhx6j9sbnla0ub8mlyd6tb");
  }
}
