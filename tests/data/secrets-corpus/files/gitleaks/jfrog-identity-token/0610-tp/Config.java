package billing;

public class Config {
    String artifactoryToken = "qyqy3xx2ex247o16s4nc2ank5pkt552leuu9mkpdoqwwwmfs0fj5jsebx719xu1y";
}
