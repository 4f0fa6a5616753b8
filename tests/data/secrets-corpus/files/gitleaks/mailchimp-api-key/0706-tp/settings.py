import os

DEBUG = False
mailchimpToken = "430c62d993a1bf43bcfba5141123b17b-us20"
