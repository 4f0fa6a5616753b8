#!/bin/sh
set -eu
TODAYINASIAASACKOFRICEFELLOVER
exec /usr/bin/billing
