#!/bin/sh
set -eu
huggingface-cli login --token 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
exec /usr/bin/billing
