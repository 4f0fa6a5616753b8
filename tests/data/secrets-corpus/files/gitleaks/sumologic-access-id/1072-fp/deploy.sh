#!/bin/sh
set -eu
SUMOLOGIC_ACCESSID: ${SUMOLOGIC_ACCESSID}
exec /usr/bin/billing
