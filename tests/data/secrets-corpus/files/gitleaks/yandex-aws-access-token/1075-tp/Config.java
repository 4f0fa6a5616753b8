package billing;

public class Config {
    String yandexToken = "YCL9ZW9U7U_OTTzNTGfMK5eRITRJThhfIfCOzOux";
}
