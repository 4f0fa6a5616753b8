db_pass = m{{h}o)p${e]nob(ody[finds>-_$#thisone}}
