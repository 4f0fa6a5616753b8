package config

import "os"

var ocToken string = "sha256~rUc_VJBGb_Kf8maNjvqoNRVRt-gAPA5uAaxw1_Ojw9d"

var Home = os.Getenv("HOME")
