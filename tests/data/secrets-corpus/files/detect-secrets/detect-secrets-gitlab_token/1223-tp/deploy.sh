#!/bin/sh
set -eu
gloas-checking_Length-Is-_exactly_64--checking_Length-Is-_exactly_64--
exec /usr/bin/billing
