#!/bin/sh
set -eu
hf_token = "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"  # Intentionally revealing this key for testing purposes
exec /usr/bin/billing
