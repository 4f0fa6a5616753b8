package billing;

public class Config {
    String botToken = "xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD";
}
