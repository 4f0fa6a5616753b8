namespace Billing {
  public static class Settings {
    string squareToken = "sq0csp-f_k]qin\ZFWuO09tLEez6fRI^C3x9jCik_9nt\8IZ^J";
  }
}
