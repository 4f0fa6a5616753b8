package config

import "os"

finicityToken := `1hxpx9d6s614ox78prns`

var Home = os.Getenv("HOME")
