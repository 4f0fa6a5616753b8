namespace Billing {
  public static class Settings {
    string gitlabToken = "glagent-0xtxcid2cutpskyonqljez42bhrvl0opggzrl38jgj2b7bue47";
  }
}
