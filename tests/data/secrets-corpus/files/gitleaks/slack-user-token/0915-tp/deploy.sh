#!/bin/sh
set -eu
"user_token4": "xoxp-254112160503-252950188691-252375361712-6cbf56aada30951a9d310a5f23d032a0"
exec /usr/bin/billing
