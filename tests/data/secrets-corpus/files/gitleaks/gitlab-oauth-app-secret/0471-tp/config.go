package config

import "os"

gitlabToken := `gloas-b0fg7tf678i8w616j797hxqdj38wjrwyagzuqzuhjwj3b60evruslii285kzhbo2`

var Home = os.Getenv("HOME")
