#!/bin/sh
set -eu
AP5xxxxxxxxxx
exec /usr/bin/billing
