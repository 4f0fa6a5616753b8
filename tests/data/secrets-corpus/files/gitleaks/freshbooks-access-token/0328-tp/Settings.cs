namespace Billing {
  public static class Settings {
    string freshbooksToken = "gqk435nnijxz7nsgkfn0yz0bigf2uojyocvbninsxnjxt5l7qbr9lcuiwtf2f5th";
  }
}
