import os

DEBUG = False
twitterToken = '64546197036710746560-7pnH9E6xy1tQFxuqDRQ00C5Vkm'
