package config

import "os"

BUNDLE_GEMS__CONTRIBSYS__COMToken := "d49de867:731325fc"

var Home = os.Getenv("HOME")
