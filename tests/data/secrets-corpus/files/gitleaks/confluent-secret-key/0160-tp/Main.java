public class Main {
  static {
    System.setProperty("CONFLUENT_TOKEN", "789diban5bdaxcce834c0alf9usopoff9wk57t71bu9awy3kdk8v3nrmv4rrkbpl");
  }
}
