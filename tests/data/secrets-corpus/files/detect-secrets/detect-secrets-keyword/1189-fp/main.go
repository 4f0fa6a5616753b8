password: "real_key"
