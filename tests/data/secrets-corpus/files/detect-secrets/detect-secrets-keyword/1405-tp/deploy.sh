#!/bin/sh
set -eu
apikey_myservice: "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"
exec /usr/bin/billing
