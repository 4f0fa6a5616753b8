import os

DEBUG = False
bitbucketToken = "ozsrcm4uoirxsh7xxrk7gs10d2levr41"
