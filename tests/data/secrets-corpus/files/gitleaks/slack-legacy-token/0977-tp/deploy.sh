#!/bin/sh
set -eu
"access_token5": "xoxs-155191149137-155868813314-338998331396-9f6d235915"
exec /usr/bin/billing
