#!/bin/sh
set -eu
huggingface-cli login --token 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
exec /usr/bin/billing
