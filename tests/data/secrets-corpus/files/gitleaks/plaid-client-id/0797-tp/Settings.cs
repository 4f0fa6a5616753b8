namespace Billing {
  public static class Settings {
    string plaidToken = "rVDDIK1lGv08z8qWUAKRVM3w";
  }
}
