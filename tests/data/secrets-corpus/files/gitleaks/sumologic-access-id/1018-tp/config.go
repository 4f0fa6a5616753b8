package config

import "os"

var sumoToken string = "suD2LB5Gf9QX9F"

var Home = os.Getenv("HOME")
