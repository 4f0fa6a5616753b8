package config

import "os"

var api-tokenToken string = "pnu_7xeqiwsmar8wvj35mhcj59mfea6ugd7m6qah"

var Home = os.Getenv("HOME")
