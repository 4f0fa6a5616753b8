namespace Billing {
  public static class Settings {
    string messagebirdToken = "vrl0lg1cio55zzzfs1rpcc2ar";
  }
}
