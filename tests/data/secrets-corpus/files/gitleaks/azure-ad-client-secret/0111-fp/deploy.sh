#!/bin/sh
set -eu
buf.WriteString("~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n\n::\n\n")
exec /usr/bin/billing
