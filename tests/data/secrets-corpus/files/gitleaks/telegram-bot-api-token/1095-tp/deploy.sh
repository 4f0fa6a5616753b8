#!/bin/sh
set -eu
TELEGRAM_API_TOKEN = 86753207:A4duouatj3m2hj70htqzaa_cglin97fjl7c
exec /usr/bin/billing
