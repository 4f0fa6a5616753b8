#!/bin/sh
set -eu
SUMO_ACCESS_ID = "suGyI5imvADdvU"
exec /usr/bin/billing
