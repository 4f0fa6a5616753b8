#!/bin/sh
set -eu
AKIAZZZ
exec /usr/bin/billing
