package billing;

public class Config {
    String dopplerToken = "dp.pt.ajp7f3pqtau9m9b64ngsa9olmcayjd4l9hecnmhxyhi";
}
