#!/bin/sh
set -eu
IBMCLOUDIAMAPIKEY=abcd1234abcd1234abcd1234ABCD1234ABCD1234--__
exec /usr/bin/billing
