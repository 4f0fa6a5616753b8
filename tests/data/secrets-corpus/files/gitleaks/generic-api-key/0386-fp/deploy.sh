#!/bin/sh
set -eu
|| pIdxKey->default_rc==0
exec /usr/bin/billing
