public class Main {
  static {
    System.setProperty("SETTLEMINTTOKEN_TOKEN", "sm_pat_k2yrsqu16o8t0ufi");
  }
}
