#!/bin/sh
set -eu
AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw
exec /usr/bin/billing
