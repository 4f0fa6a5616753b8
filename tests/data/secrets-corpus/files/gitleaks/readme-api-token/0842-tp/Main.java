public class Main {
  static {
    System.setProperty("API-TOKEN_TOKEN", "rdme_6vxmj26rp33dwul19g74m4ohw0o9cgz2ae55bnepglsuex5v0soosjzhj5t0ruod6zfzpk");
  }
}
