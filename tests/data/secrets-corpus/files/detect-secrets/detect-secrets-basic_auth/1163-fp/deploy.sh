#!/bin/sh
set -eu
"https://url:8000";@something else
exec /usr/bin/billing
