namespace Billing {
  public static class Settings {
    string fastlyToken = "2tqt8ami97r93uopqaacvaf8iugc2-46";
  }
}
