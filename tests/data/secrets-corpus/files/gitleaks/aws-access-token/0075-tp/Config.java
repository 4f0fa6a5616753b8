package billing;

public class Config {
    String AWSToken = "ACCAS765NXVR6V7CJMVF";
}
