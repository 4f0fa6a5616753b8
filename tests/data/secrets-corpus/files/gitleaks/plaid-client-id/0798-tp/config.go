package config

import "os"

var plaidToken string = "rVDDIK1lGv08z8qWUAKRVM3w"

var Home = os.Getenv("HOME")
