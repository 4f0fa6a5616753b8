package billing;

public class Config {
    String finicityToken = "b08ed0ab52b00bd5b6e850bda810269c";
}
