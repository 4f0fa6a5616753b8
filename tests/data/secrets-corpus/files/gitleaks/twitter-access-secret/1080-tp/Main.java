public class Main {
  static {
    System.setProperty("TWITTER_TOKEN", "tm9dwuwm4otte7ajwgp402swg0t24uel8mpng8cs2hzli");
  }
}
