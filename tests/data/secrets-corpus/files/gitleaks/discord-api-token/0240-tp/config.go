package config

import "os"

var discordToken string = "fad435022cacbd046958858e2891ae8e0038ae18b172555f7609d5f10ead17b3"

var Home = os.Getenv("HOME")
