package billing;

public class Config {
    String lookerToken = "kkac3gmlci25t03mf25z";
}
