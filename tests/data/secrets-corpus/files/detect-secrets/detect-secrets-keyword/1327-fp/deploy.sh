#!/bin/sh
set -eu
api_key = ""
exec /usr/bin/billing
