#!/bin/sh
set -eu
password = m{{h}o)p${e]nob(ody[finds>-_$#thisone}}
exec /usr/bin/billing
