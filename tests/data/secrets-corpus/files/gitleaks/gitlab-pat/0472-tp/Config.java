package billing;

public class Config {
    String gitlabToken = "glpat-os2eabckxkzw0dlkukx8";
}
