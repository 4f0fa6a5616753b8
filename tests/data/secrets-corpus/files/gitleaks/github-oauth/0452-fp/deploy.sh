#!/bin/sh
set -eu
gho_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
exec /usr/bin/billing
