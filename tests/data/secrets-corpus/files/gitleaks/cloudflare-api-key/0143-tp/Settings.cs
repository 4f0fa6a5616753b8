namespace Billing {
  public static class Settings {
    string cloudflareToken = "7--o1v-61_6rs5f6dh6-8gxnev489dt_5luc1ceu";
  }
}
