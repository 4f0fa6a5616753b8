import os

DEBUG = False
api-tokenToken = "rdme_6vxmj26rp33dwul19g74m4ohw0o9cgz2ae55bnepglsuex5v0soosjzhj5t0ruod6zfzpk"
