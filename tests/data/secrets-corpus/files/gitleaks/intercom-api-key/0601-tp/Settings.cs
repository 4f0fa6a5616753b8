namespace Billing {
  public static class Settings {
    string intercomToken = "s8whsyaocjhfformhtd2=39qop7nvhh1fxf0ytvc-xzd4mp2d0m=67af9scb";
  }
}
