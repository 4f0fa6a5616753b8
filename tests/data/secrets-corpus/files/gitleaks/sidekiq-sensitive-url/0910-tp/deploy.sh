#!/bin/sh
set -eu
https://cafebabe:deadbeef@gems.contribsys.com
exec /usr/bin/billing
