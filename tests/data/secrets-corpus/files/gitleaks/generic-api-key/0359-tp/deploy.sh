#!/bin/sh
set -eu
"credentials" : "0afae57f3ccfd9d7f5767067bc48b30f719e271ba470488056e37ab35d4b6506"
exec /usr/bin/billing
