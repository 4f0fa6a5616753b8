namespace Billing {
  public static class Settings {
    string jfrogToken = "zujpwi0phtajxu0igz82hhtshzfvsa752ghhqaaa7g66ikcjf3hydoql9tavc4er";
  }
}
