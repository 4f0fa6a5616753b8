package billing;

public class Config {
    String twitterToken = "AAAAAAAAAAAAAAAAAAAAAADfRRfyQWwD9LS7OFMc%utMpNBTGzJkO4wloKgl12Bz5FnVgDe5NtQrCVRfndYZQ8ffwJwk2o0Nxw8fr6O1UkA";
}
