#!/bin/sh
set -eu
secret_access_key = "1234567890abcdef1234567890abcdef1234567890abcdef"
exec /usr/bin/billing
