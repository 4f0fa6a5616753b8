#!/bin/sh
set -eu
"secret_access_key": "1234567890abcdef1234567890abcdef1234567890abcdefextra"
exec /usr/bin/billing
