public class Main {
  static {
    System.setProperty("YANDEX_TOKEN", "t1.o==.jjYCxpm4_uX9dnUC9Lcmb5ost9uLO4H3lEAORk78lvJrX2yVhQKXUfgpjc7V_V1_4hJK_-IIPuqkyjq_jhlTix==");
  }
}
