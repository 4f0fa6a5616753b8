#!/bin/sh
set -eu
not_secret = notapassword
exec /usr/bin/billing
