#!/bin/sh
set -eu
gloas-checking_Length-Is-_exactly_64--Xchecking_Length-Is-_longer_longer
exec /usr/bin/billing
