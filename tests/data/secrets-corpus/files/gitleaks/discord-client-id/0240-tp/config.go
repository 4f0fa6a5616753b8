package config

import "os"

var discordToken string = "884466947815335217"

var Home = os.Getenv("HOME")
