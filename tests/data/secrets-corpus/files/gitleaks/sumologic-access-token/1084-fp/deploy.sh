#!/bin/sh
set -eu
SUMO_ACCESS_KEY=${SUMO_ACCESS_KEY:=$2}
exec /usr/bin/billing
