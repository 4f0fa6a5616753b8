package config

import "os"

lobToken := `test_60bcae845d32734a5bb52443e1c67eb4736`

var Home = os.Getenv("HOME")
