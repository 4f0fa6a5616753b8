#!/bin/sh
set -eu
sl_key= abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234
exec /usr/bin/billing
