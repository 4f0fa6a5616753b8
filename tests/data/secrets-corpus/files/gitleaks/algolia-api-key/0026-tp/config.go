package config

import "os"

algoliaToken := `181a81c59efa24430b8f0eafe1dfd6dd`

var Home = os.Getenv("HOME")
