#!/bin/sh
set -eu
xoxb-12345-abcd234
exec /usr/bin/billing
