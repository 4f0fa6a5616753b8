#!/bin/sh
set -eu
https://testy_-test:abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234@testy_-test.cloudant.com/_api/v2/
exec /usr/bin/billing
