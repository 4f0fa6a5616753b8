#!/bin/sh
set -eu
discord=000000000000000000
exec /usr/bin/billing
