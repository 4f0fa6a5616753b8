#!/bin/sh
set -eu
octopus_api_token = "API-1QAYGS7P04HL0V7NW49PS9XWFQ"
exec /usr/bin/billing
