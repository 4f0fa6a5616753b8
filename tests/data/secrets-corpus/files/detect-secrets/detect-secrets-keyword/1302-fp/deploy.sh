#!/bin/sh
set -eu
password: ${link}
exec /usr/bin/billing
