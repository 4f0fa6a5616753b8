namespace Billing {
  public static class Settings {
    string discordToken = "884466947815335217";
  }
}
