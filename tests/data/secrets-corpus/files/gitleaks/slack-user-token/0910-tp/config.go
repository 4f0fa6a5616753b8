package config

import "os"

userToken := "xoxp-41684372915-1320496754-45609968301-e708ba56e1517a99f6b5fb07349476ef"

var Home = os.Getenv("HOME")
