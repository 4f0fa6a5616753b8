package config

import "os"

sentryToken := "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"

var Home = os.Getenv("HOME")
