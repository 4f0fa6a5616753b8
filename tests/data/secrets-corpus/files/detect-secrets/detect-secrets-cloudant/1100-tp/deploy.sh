#!/bin/sh
set -eu
https://testy_-test:abcdefghijabcdefghijabcd@testy_-test.cloudant.com
exec /usr/bin/billing
