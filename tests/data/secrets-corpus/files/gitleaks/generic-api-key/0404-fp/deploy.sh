#!/bin/sh
set -eu
sequenceKey = "18"
exec /usr/bin/billing
