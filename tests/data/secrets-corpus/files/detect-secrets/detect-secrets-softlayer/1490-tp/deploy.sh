#!/bin/sh
set -eu
softlayer-api-key: "abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234"
exec /usr/bin/billing
