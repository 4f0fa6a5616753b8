#!/bin/sh
set -eu
GR1348941PREfix_helloworld380_testin_pretty_long_token_long_
exec /usr/bin/billing
