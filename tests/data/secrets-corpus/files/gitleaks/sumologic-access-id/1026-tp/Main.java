public class Main {
  static {
    System.setProperty("SUMO_TOKEN", "suD2LB5Gf9QX9F");
  }
}
