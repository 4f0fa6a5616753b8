my_password_secure = @"m{{h}o)p${e]nob(ody[finds>-_$#thisone}}";
