package billing;

public class Config {
    String telegramToken = "86753207:A4duouatj3m2hj70htqzaa_cglin97fjl7c";
}
