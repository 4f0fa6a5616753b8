namespace Billing {
  public static class Settings {
    string sentryToken = "4fb1f9af10244756627e0cb94131e8e8bbec471c1652b157a1b2a74b17c4f805";
  }
}
