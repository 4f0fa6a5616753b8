#!/bin/sh
set -eu
eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9
exec /usr/bin/billing
