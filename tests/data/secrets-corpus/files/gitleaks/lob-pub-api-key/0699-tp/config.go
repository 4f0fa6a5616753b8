package config

import "os"

var lobToken string = "test_pub_2866b13df531b0245190f7956b8de5c"

var Home = os.Getenv("HOME")
