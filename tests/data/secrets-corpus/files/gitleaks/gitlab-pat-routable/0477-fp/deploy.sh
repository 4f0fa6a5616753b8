#!/bin/sh
set -eu
glpat-xxxxxxxx-xxxxxxxxxxxxxxxxxx.xxxxxxxxx
exec /usr/bin/billing
