#!/bin/sh
set -eu
secrete = "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"
exec /usr/bin/billing
