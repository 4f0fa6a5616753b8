#!/bin/sh
set -eu
softlayer_api_key := abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234
exec /usr/bin/billing
