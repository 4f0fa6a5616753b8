package config

import "os"

var message-birdToken string = "ut75cp8s4gcxbwwd9j5tgblmj"

var Home = os.Getenv("HOME")
