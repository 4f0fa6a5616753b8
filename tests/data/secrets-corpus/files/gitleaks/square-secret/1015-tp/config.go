package config

import "os"

var squareToken string = "sq0csp-f_k]qin\ZFWuO09tLEez6fRI^C3x9jCik_9nt\8IZ^J"

var Home = os.Getenv("HOME")
