import os

DEBUG = False
planetScaleToken = "pscale_pw_oy9f8b=q3netwcdnxvevc748m7qjo_8st6qqt=7ct_9"
