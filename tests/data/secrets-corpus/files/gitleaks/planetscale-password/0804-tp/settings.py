import os

DEBUG = False
planetScaleToken = 'pscale_pw_=drhy9o7ptcvgua8ucfz43_n5d667okj'
