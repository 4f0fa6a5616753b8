import os

DEBUG = False
asanaToken = '0322279781479922'
