namespace Billing {
  public static class Settings {
    string airtableToken = "kp135mnql1yo54qc8";
  }
}
