package config

import "os"

var facebookToken string = "ca8a976fd3745388d6786674a5e5288d"

var Home = os.Getenv("HOME")
