#!/bin/sh
set -eu
curl -u "myusername" http://localhost:15130/api/check_user/
exec /usr/bin/billing
