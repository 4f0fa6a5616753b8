#!/bin/sh
set -eu
"accessor":"rA1wk0Y45YCufyfq",
exec /usr/bin/billing
