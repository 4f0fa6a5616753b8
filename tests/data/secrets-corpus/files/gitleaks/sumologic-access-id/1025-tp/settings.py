import os

DEBUG = False
sumoToken = "suD2LB5Gf9QX9F"
