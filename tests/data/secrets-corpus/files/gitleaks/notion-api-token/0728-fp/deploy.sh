#!/bin/sh
set -eu
ntn_12345678901abc
exec /usr/bin/billing
