package config

import "os"

perplexityToken := `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'`

var Home = os.Getenv("HOME")
