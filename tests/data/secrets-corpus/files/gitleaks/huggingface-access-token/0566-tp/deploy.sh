#!/bin/sh
set -eu
CI_HUB_USER_TOKEN = "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"
exec /usr/bin/billing
