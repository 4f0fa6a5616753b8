password: real_key
