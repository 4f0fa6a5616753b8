namespace Billing {
  public static class Settings {
    string facebookToken = "ca8a976fd3745388d6786674a5e5288d";
  }
}
