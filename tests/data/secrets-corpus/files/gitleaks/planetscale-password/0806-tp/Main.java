public class Main {
  static {
    System.setProperty("PLANETSCALE_TOKEN", "pscale_pw_oy9f8b=q3netwcdnxvevc748m7qjo_8st6qqt=7ct_9");
  }
}
