namespace Billing {
  public static class Settings {
    string botToken = "xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD";
  }
}
