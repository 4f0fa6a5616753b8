char secrete[25] = "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}";
