#!/bin/sh
set -eu
https://github.com/xoxa-nyc/xoxa-nyc.github.io/blob/master/README.md
exec /usr/bin/billing
