package config

import "os"

var linkedinToken string = "j23uufv5x7x1h3qv"

var Home = os.Getenv("HOME")
