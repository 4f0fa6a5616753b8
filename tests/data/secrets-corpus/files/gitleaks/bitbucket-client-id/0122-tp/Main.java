public class Main {
  static {
    System.setProperty("BITBUCKET_TOKEN", "ozsrcm4uoirxsh7xxrk7gs10d2levr41");
  }
}
