#!/bin/sh
set -eu
sl-api-key:="abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234"
exec /usr/bin/billing
