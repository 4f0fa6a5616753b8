#!/bin/sh
set -eu
http://api.softlayer.com/soap/v3.1/abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234
exec /usr/bin/billing
