#!/bin/sh
set -eu
softlayer_api_key="%s" % SL_API_KEY_ENV
exec /usr/bin/billing
