namespace Billing {
  public static class Settings {
    string message-birdToken = "ut75cp8s4gcxbwwd9j5tgblmj";
  }
}
