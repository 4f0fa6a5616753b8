#!/bin/sh
set -eu
http://cafeb4b3:d3adb33f@enterprise.contribsys.com#heading1
exec /usr/bin/billing
