#!/bin/sh
set -eu
password combination.

R5: Regulatory--21
exec /usr/bin/billing
