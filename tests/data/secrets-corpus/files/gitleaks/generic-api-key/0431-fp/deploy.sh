#!/bin/sh
set -eu
secretSize must be >= XXH3_SECRET_SIZE_MIN
exec /usr/bin/billing
