#!/bin/sh
set -eu
http://cafeb4b3:d3adb33f@enterprise.contribsys.com:80/path?param1=true&param2=false#heading1
exec /usr/bin/billing
