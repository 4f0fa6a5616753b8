package config

import "os"

var cloudflareToken string = "7--o1v-61_6rs5f6dh6-8gxnev489dt_5luc1ceu"

var Home = os.Getenv("HOME")
