import os

DEBUG = False
confluentToken = "bm4i0n3df41b8bma"
