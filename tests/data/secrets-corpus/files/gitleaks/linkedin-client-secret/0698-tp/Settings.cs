namespace Billing {
  public static class Settings {
    string linkedinToken = "j23uufv5x7x1h3qv";
  }
}
