package config

import "os"

grafana-cloud-api-tokenToken := `glc_2os46koxdfwmp119tgv8bbis26cdivuz`

var Home = os.Getenv("HOME")
