#!/bin/sh
set -eu
A3-XXXXXX-XXXXXXXXXXX-XXXXX-XXXXX-XXXXX
exec /usr/bin/billing
