public class Main {
  static {
    System.setProperty("SETTLEMINTTOKEN_TOKEN", "sm_sat_bxuu06d5ehtqt55m");
  }
}
