#!/bin/sh
set -eu
EZAK9JBfZ903WSpDjnYFoPFwAJMV8RoLeX3ofJ7rf3dO90PwtmlQjl3e4q
exec /usr/bin/billing
