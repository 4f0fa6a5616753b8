#!/bin/sh
set -eu
# curl -X GET "http://localhost:3000/api/cron/status" -H "Authorization: Bearer cfcabd11c7ed9a41b1a3e063c32d5114"
exec /usr/bin/billing
