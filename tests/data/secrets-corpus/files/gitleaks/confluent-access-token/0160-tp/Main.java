public class Main {
  static {
    System.setProperty("CONFLUENT_TOKEN", "bm4i0n3df41b8bma");
  }
}
