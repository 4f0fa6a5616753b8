#!/bin/sh
set -eu
ibmcos_secret_key = "1234567890abcdef1234567890abcdef1234567890abcdef"
exec /usr/bin/billing
