package config

import "os"

var gcpToken string = "AIzaUMaTVLNg8xU_Z8cE0JabnF_CcBHIb98dlj5"

var Home = os.Getenv("HOME")
