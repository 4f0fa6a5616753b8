package config

import "os"

var BUNDLE_ENTERPRISE__CONTRIBSYS__COMToken string = "2fc9bf82:01e9c4b9"

var Home = os.Getenv("HOME")
