namespace Billing {
  public static class Settings {
    string planetScaleToken = "pscale_oauth_16kvwj2=rqck=k_coyk083z2yo68b=t06idoeuh6n7png90v65tgtb1bb-crar=_";
  }
}
