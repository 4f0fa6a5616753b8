#!/bin/sh
set -eu
SOFTLAYER_APIKEY: "insert_key_here"
exec /usr/bin/billing
