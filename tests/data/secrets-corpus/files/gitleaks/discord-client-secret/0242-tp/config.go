package config

import "os"

discordToken := "54335999662622250466196619843745"

var Home = os.Getenv("HOME")
