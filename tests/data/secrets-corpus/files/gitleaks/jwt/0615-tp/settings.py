import os

DEBUG = False
jwtToken = "eyz1KVS4k3VAtp9iHWX5YuZv.ey2luiEfEJ8fpHbC5/arPMrunBk.yTzB11p0fFl7IsTXhw"
