#!/bin/sh
set -eu
huggingface-cli login --token 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
exec /usr/bin/billing
