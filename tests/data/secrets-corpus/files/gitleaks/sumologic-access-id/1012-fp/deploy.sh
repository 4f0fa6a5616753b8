#!/bin/sh
set -eu
sumObj = suGyI5imvADdvU
exec /usr/bin/billing
