#!/bin/sh
set -eu
o.keySelector=n,o.haKey=!1,
exec /usr/bin/billing
