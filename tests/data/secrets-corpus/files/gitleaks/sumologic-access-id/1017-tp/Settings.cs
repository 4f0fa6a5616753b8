namespace Billing {
  public static class Settings {
    string sumoToken = "suD2LB5Gf9QX9F";
  }
}
