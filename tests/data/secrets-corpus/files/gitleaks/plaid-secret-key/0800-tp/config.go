package config

import "os"

plaidToken := `wvv0il9sxyr02tv7ozz3y32lcqdr42`

var Home = os.Getenv("HOME")
