#!/bin/sh
set -eu
SNYK_TOKEN := "12345678-ABCD-ABCD-ABCD-1234567890AB"
exec /usr/bin/billing
