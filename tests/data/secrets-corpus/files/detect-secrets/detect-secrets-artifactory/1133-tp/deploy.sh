#!/bin/sh
set -eu
 AKCxxxxxxxxxx
exec /usr/bin/billing
