#!/bin/sh
set -eu
vault_api_token = "s.5M6UtawkkSWxAMwPJFG71iBG"
exec /usr/bin/billing
