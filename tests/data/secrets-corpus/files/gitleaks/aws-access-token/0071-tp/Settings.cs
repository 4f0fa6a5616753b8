namespace Billing {
  public static class Settings {
    string AWSToken = "ABIA4ARKHOJGTT6OPEA3";
  }
}
