package config

import "os"

gcpToken := "AIzaUMaTVLNg8xU_Z8cE0JabnF_CcBHIb98dlj5"

var Home = os.Getenv("HOME")
