namespace Billing {
  public static class Settings {
    string AWSToken = "ASIAIJE53OAJGH74FF7D";
  }
}
