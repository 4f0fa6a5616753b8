#!/bin/sh
set -eu
ibm_password = "abcd1234abcd1234abcd1234ABCD1234ABCD1234--__"
exec /usr/bin/billing
