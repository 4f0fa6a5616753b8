package config

import "os"

typeformAPITokenToken := `tfp_mpdjkken9-_n6sy1yex=rjogk7ua900=mkf2rycjov4w1zznm_96bw70ybn`

var Home = os.Getenv("HOME")
