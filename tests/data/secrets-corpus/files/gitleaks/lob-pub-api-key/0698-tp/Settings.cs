namespace Billing {
  public static class Settings {
    string lobToken = "test_pub_2866b13df531b0245190f7956b8de5c";
  }
}
