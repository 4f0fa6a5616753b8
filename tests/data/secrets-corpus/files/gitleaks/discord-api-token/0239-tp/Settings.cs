namespace Billing {
  public static class Settings {
    string discordToken = "fad435022cacbd046958858e2891ae8e0038ae18b172555f7609d5f10ead17b3";
  }
}
