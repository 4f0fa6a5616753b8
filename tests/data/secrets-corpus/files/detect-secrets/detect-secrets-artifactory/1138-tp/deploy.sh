#!/bin/sh
set -eu
artif-key:AP6xxxxxxxxxx
exec /usr/bin/billing
