#!/bin/sh
set -eu
"type": "service_account"
exec /usr/bin/billing
