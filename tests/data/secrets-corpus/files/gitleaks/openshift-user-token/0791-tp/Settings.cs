namespace Billing {
  public static class Settings {
    string ocToken = "sha256~rUc_VJBGb_Kf8maNjvqoNRVRt-gAPA5uAaxw1_Ojw9d";
  }
}
