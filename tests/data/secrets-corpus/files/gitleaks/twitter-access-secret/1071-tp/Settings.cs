namespace Billing {
  public static class Settings {
    string twitterToken = "tm9dwuwm4otte7ajwgp402swg0t24uel8mpng8cs2hzli";
  }
}
