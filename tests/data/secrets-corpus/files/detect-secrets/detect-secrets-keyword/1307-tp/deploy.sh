#!/bin/sh
set -eu
apikey: "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"
exec /usr/bin/billing
