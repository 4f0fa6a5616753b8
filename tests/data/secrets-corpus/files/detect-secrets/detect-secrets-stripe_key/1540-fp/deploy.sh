#!/bin/sh
set -eu
sk_live_
exec /usr/bin/billing
