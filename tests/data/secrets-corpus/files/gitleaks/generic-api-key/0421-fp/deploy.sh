#!/bin/sh
set -eu
KeyPair = X25519.KeyPair
exec /usr/bin/billing
