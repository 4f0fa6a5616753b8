import os

DEBUG = False
flickrToken = "ws4l7840rxc5uufqo262hgrrr4rsqdxf"
