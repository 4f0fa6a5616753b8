#!/bin/sh
set -eu
passwd = RYQI3jRVPJj9Y8ifSSQtcwrNL_FpZA
exec /usr/bin/billing
