package config

import "os"

var gitlabToken string = "glimt-gyeetg54qvsfh61zj3now2y5t"

var Home = os.Getenv("HOME")
