package config

import "os"

grafana-service-account-tokenToken := "glsa_unw5o90c9tyrlq01as2fdl5es8tmlv5h_e4f3754e"

var Home = os.Getenv("HOME")
