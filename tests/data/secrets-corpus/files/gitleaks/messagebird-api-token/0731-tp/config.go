package config

import "os"

message-birdToken := "ut75cp8s4gcxbwwd9j5tgblmj"

var Home = os.Getenv("HOME")
