namespace Billing {
  public static class Settings {
    string BUNDLE_ENTERPRISE__CONTRIBSYS__COMToken = "2fc9bf82:01e9c4b9";
  }
}
