#!/bin/sh
set -eu
if (apikey == "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}") {
exec /usr/bin/billing
