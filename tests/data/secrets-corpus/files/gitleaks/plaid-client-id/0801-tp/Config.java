package billing;

public class Config {
    String plaidToken = "rVDDIK1lGv08z8qWUAKRVM3w";
}
