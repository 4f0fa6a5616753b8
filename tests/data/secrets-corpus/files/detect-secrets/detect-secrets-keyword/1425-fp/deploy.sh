#!/bin/sh
set -eu
secret: ''
exec /usr/bin/billing
