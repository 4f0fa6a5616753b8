#!/bin/sh
set -eu
`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`
exec /usr/bin/billing
