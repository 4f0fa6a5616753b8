#!/bin/sh
set -eu
\'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'\
exec /usr/bin/billing
