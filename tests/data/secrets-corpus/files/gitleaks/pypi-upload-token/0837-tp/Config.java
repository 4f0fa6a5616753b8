package billing;

public class Config {
    String pypiToken = "pypi-AgEIcHlwaS5vcmc2afb661245b8c977b92b8fb8b4f53b3908d780e6cc8c9821b2aa2f23facdde7c";
}
