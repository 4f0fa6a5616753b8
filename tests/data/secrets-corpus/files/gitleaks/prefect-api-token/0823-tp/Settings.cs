namespace Billing {
  public static class Settings {
    string api-tokenToken = "pnu_7xeqiwsmar8wvj35mhcj59mfea6ugd7m6qah";
  }
}
