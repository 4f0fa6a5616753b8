#!/bin/sh
set -eu
softlayer_key:= "abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234"
exec /usr/bin/billing
