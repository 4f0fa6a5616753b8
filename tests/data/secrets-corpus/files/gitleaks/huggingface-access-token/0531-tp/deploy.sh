#!/bin/sh
set -eu
huggingface-cli login --token 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
exec /usr/bin/billing
