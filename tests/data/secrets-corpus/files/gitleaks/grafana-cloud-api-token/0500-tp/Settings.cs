namespace Billing {
  public static class Settings {
    string grafana-cloud-api-tokenToken = "glc_2os46koxdfwmp119tgv8bbis26cdivuz";
  }
}
