package config

import "os"

AWSToken := "ABIA4ARKHOJGTT6OPEA3"

var Home = os.Getenv("HOME")
