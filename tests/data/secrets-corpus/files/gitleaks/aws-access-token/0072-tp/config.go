package config

import "os"

var AWSToken string = "ABIA4ARKHOJGTT6OPEA3"

var Home = os.Getenv("HOME")
