namespace Billing {
  public static class Settings {
    string twitterToken = "7svyelktl1w6tbebdfgbhbnj9";
  }
}
