package config

import "os"

var airtableToken string = "pat3ncv2tiokyjzca.380919ba5e948568c2d528d04c31ee2d300e990b45a0e3b27bda18957a5e5688"

var Home = os.Getenv("HOME")
