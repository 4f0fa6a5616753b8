namespace Billing {
  public static class Settings {
    string gcpToken = "AIzaUMaTVLNg8xU_Z8cE0JabnF_CcBHIb98dlj5";
  }
}
