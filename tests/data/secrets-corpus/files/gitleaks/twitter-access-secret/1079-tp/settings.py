import os

DEBUG = False
twitterToken = "tm9dwuwm4otte7ajwgp402swg0t24uel8mpng8cs2hzli"
