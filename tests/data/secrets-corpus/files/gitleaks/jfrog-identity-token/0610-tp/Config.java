package billing;

public class Config {
    String bintrayToken = "5jlrvuo91ph2wp2hcw0j5ukksz7pqubly12ylma9yt7jwrequxmpowrwr8mn61ql";
}
