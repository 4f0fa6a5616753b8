#!/bin/sh
set -eu
softlayer-pwd = abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234
exec /usr/bin/billing
