package config

import "os"

var fastlyToken string = "2tqt8ami97r93uopqaacvaf8iugc2-46"

var Home = os.Getenv("HOME")
