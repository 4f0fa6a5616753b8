package config

import "os"

var planetScaleToken string = "pscale_oauth_16kvwj2=rqck=k_coyk083z2yo68b=t06idoeuh6n7png90v65tgtb1bb-crar=_"

var Home = os.Getenv("HOME")
