#!/bin/sh
set -eu
DEV=1 HF_TOKEN=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 poetry run python app.py
exec /usr/bin/billing
