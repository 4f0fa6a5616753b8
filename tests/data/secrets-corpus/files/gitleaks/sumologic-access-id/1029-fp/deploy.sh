#!/bin/sh
set -eu
sumologic_access_id         = ""
exec /usr/bin/billing
