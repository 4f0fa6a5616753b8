package config

import "os"

twitterToken := `k3g7kstuobqewiqnrwmt5x348b7kka9csfoj08qae0ch73m42z`

var Home = os.Getenv("HOME")
