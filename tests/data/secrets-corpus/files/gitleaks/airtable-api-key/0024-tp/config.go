package config

import "os"

var airtableToken string = "kp135mnql1yo54qc8"

var Home = os.Getenv("HOME")
