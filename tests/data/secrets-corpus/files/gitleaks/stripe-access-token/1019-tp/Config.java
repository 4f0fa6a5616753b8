package billing;

public class Config {
    String stripeToken = "sk_test_uhfuuoqoihx904c82jx6lgkt1he94d";
}
