namespace Billing {
  public static class Settings {
    string grafana-api-keyToken = "eyJrIjoiyk46qyjc4wg7q0yf1rsewk2hgqzc5tszbtk8j22hkczek0ia058mrojdiqcpq4qu99tfcv";
  }
}
