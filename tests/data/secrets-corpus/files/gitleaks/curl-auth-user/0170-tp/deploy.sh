#!/bin/sh
set -eu
curl -sw '%{http_code}' -X POST --user  'johns:h0pk1ns~21s' $GItHUB_API_URL/$GIT_COMMIT --data
exec /usr/bin/billing
