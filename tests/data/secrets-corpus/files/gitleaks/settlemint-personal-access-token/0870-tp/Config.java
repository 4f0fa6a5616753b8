package billing;

public class Config {
    String settlemintTokenToken = "sm_pat_k2yrsqu16o8t0ufi";
}
