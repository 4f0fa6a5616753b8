#!/bin/sh
set -eu
PREFECT_API_KEY = "pnu_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
exec /usr/bin/billing
