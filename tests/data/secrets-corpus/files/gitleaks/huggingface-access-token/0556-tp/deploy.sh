#!/bin/sh
set -eu
huggingface-cli login --token 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
exec /usr/bin/billing
