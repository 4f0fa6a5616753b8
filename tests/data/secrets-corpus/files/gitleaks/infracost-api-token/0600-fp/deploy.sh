#!/bin/sh
set -eu
ico-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX
exec /usr/bin/billing
