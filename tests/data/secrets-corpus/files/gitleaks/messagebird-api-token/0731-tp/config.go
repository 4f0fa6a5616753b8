package config

import "os"

message_birdToken := "2we56s7wu7f13tqetp241m7f6"

var Home = os.Getenv("HOME")
