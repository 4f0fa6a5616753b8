#!/bin/sh
set -eu
PuttyPassword=0
exec /usr/bin/billing
