#!/bin/sh
set -eu
IBM-API-KEY : "abcd1234abcd1234abcd1234ABCD1234ABCD1234--__"
exec /usr/bin/billing
