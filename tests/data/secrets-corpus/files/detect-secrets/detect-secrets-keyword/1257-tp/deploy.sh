#!/bin/sh
set -eu
db_pass: 'A,.:-¨@*¿?!'
exec /usr/bin/billing
