aws_secret_access_key := `m{{h}o)p${e]nob(ody[finds>-_$#thisone}}`
