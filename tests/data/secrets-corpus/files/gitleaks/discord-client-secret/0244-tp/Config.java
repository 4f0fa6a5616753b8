package billing;

public class Config {
    String discordToken = "54335999662622250466196619843745";
}
