#!/bin/sh
set -eu
rapidstring:marm64-uwp=fail
exec /usr/bin/billing
