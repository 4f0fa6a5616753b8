package config

import "os"

var botToken string = "xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD"

var Home = os.Getenv("HOME")
