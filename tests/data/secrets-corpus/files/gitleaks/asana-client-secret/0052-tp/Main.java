public class Main {
  static {
    System.setProperty("ASANA_TOKEN", "cxe1fsxrenxo64ul4setl1j10br9rmyy");
  }
}
