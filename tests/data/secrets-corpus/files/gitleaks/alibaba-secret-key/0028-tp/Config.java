package billing;

public class Config {
    String alibabaToken = "4lcfq4q7ksvx5qysdhsf5uijttyhr2";
}
