#!/bin/sh
set -eu
glptt-Need5_T00-be-exactly-40-chars--ELse_failing
exec /usr/bin/billing
