#!/bin/sh
set -eu
clientSecret := "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"
exec /usr/bin/billing
