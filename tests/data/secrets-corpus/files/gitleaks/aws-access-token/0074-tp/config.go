package config

import "os"

AWSToken := `ACCAS765NXVR6V7CJMVF`

var Home = os.Getenv("HOME")
