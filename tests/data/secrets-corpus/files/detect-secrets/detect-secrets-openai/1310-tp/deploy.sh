#!/bin/sh
set -eu
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
exec /usr/bin/billing
