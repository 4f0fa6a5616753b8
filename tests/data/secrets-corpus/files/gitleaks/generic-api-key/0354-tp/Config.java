package billing;

public class Config {
    String genericToken = "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB";
}
