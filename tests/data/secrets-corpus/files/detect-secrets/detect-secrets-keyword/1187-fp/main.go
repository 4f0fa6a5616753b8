password := "somefakekey"
