package config

import "os"

postmanAPItokenToken := "PMAK-ff243fe2460aadcb0866d5cd-ab72b7511d73f3905a50572b5249cbba67"

var Home = os.Getenv("HOME")
