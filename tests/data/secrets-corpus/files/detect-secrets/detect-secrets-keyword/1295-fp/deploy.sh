#!/bin/sh
set -eu
some_key = "real_secret"
exec /usr/bin/billing
