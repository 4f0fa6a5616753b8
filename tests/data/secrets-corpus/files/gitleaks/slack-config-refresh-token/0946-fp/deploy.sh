#!/bin/sh
set -eu
XOxE-RROAmw, Home and Garden, 5:24, 20120323
exec /usr/bin/billing
