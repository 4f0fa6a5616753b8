package config

import "os"

discordToken := `884466947815335217`

var Home = os.Getenv("HOME")
