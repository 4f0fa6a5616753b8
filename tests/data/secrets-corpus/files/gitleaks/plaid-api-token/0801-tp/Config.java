package billing;

public class Config {
    String plaidToken = "access-production-380318ab-130c-6d1d-fa7b-7882f96a7568";
}
