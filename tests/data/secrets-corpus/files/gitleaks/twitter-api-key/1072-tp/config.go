package config

import "os"

var twitterToken string = "7svyelktl1w6tbebdfgbhbnj9"

var Home = os.Getenv("HOME")
