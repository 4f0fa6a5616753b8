#!/bin/sh
set -eu
keyword: "Befaehigung_P2"
exec /usr/bin/billing
