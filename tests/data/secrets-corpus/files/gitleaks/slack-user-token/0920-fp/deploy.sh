#!/bin/sh
set -eu
"token1": "xoxp-1234567890"
exec /usr/bin/billing
