#!/bin/sh
set -eu
glrt-tx_xxxxxxxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxx
exec /usr/bin/billing
