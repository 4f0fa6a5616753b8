package config

import "os"

var grafana-cloud-api-tokenToken string = "glc_2os46koxdfwmp119tgv8bbis26cdivuz"

var Home = os.Getenv("HOME")
