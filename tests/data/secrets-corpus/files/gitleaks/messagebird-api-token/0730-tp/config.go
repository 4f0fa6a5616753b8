package config

import "os"

var messagebirdToken string = "vrl0lg1cio55zzzfs1rpcc2ar"

var Home = os.Getenv("HOME")
