#!/bin/sh
set -eu
cloudant_password='abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234'
exec /usr/bin/billing
