if ("m{{h}o)p${e]nob(ody[finds>-_$#thisone}}" !== my_password_sec) {
