#!/bin/sh
set -eu
"access_token": "xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c"
exec /usr/bin/billing
