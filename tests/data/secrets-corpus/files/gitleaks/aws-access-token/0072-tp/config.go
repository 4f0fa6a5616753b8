package config

import "os"

var AWSToken string = "ASIAIJE53OAJGH74FF7D"

var Home = os.Getenv("HOME")
