#!/bin/sh
set -eu
glptt-hellOworld380_testin
exec /usr/bin/billing
