package config

import "os"

pulumi-api-tokenToken := `pul-81a37eaf4e6b397dbebee733acb42d075bc4d1e2`

var Home = os.Getenv("HOME")
