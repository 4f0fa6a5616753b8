#!/bin/sh
set -eu
https://cafeb4b3:d3adb33f@enterprise.contribsys.com/
exec /usr/bin/billing
