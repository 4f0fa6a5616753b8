#!/bin/sh
set -eu
secret_length = X25519.secret_length
exec /usr/bin/billing
