package config

import "os"

var gitlabToken string = "glagent-0xtxcid2cutpskyonqljez42bhrvl0opggzrl38jgj2b7bue47"

var Home = os.Getenv("HOME")
