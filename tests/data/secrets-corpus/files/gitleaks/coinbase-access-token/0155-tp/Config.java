package billing;

public class Config {
    String coinbaseToken = "hxf2n_6b1zkk38sv0au_wh86w7jxmqffe5lvzitny4l0y6sydr6vide4297ie0xn";
}
