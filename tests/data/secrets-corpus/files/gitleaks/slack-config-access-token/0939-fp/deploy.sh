#!/bin/sh
set -eu
xoxe.xoxp-1-initial
exec /usr/bin/billing
