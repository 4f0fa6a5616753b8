package config

import "os"

squarespaceToken := "4aebd5a5-20de-0cbc-121f-e2ed8ff8213d"

var Home = os.Getenv("HOME")
