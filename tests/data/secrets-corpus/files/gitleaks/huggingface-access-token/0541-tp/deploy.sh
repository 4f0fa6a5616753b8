#!/bin/sh
set -eu
use_auth_token='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')
exec /usr/bin/billing
