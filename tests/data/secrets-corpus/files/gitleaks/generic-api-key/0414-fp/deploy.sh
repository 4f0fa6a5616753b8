#!/bin/sh
set -eu
const validKeyChars = "0123456789abcdefghijklmnopqrstuvwxyz_-."
exec /usr/bin/billing
