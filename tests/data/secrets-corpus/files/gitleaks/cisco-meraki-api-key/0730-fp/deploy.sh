#!/bin/sh
set -eu
meraki: aaaaaaaaaa1111111111bbbbbbbbbb2222222222
exec /usr/bin/billing
