#!/bin/sh
set -eu
   curl -X GET --insecure --user "username:password" \
exec /usr/bin/billing
