#!/bin/sh
set -eu
glpat_hellOworld380_testin
exec /usr/bin/billing
