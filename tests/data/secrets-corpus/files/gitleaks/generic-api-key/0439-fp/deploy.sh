#!/bin/sh
set -eu
SRCREV_moby = "43fc912ef59a83054ea7f6706df4d53a7dea4d80"
exec /usr/bin/billing
