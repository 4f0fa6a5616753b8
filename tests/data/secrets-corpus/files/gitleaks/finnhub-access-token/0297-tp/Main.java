public class Main {
  static {
    System.setProperty("FINNHUB_TOKEN", "fve98yxc8viw7qdbqtec");
  }
}
