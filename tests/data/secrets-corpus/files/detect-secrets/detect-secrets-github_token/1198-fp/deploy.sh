#!/bin/sh
set -eu
foo
exec /usr/bin/billing
