#!/bin/sh
set -eu
rk_live_5TcWfjKmJgpql9hjpRnwRXbT
exec /usr/bin/billing
