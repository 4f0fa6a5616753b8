#!/bin/sh
set -eu
CLOUD_APIKEY: "insert_key_here"
exec /usr/bin/billing
