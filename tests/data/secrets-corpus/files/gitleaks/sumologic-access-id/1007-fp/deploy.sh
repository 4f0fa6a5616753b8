#!/bin/sh
set -eu
.si-sumologic.si--color::before { color: #000099; }
exec /usr/bin/billing
