package billing;

public class Config {
    String codecovToken = "8wng99mb7x2dtrjim9xhurgmbhjnpomj";
}
