package config

import "os"

artifactoryToken := `qyqy3xx2ex247o16s4nc2ank5pkt552leuu9mkpdoqwwwmfs0fj5jsebx719xu1y`

var Home = os.Getenv("HOME")
