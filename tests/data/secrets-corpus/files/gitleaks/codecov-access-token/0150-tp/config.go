package config

import "os"

codecovToken := "8wng99mb7x2dtrjim9xhurgmbhjnpomj"

var Home = os.Getenv("HOME")
