public class Main {
  static {
    System.setProperty("DRONECI_TOKEN", "sjsch4fgtei8uvvdyjxd8f7xszyv7s5v");
  }
}
