#!/bin/sh
set -eu
"client_secret" : "6da89121079f83b2eb6acccf8219ea982c3d79bccc3e9c6a85856480661f8fde",
exec /usr/bin/billing
