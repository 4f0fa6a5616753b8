package billing;

public class Config {
    String finicityToken = "1hxpx9d6s614ox78prns";
}
