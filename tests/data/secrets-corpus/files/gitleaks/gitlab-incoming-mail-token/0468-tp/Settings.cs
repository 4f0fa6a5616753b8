namespace Billing {
  public static class Settings {
    string gitlabToken = "glimt-gyeetg54qvsfh61zj3now2y5t";
  }
}
