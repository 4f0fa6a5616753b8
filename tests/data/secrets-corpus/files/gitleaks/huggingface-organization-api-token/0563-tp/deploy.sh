#!/bin/sh
set -eu
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
exec /usr/bin/billing
