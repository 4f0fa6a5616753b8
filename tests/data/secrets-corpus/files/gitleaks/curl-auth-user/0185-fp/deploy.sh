#!/bin/sh
set -eu
curl -XGET -i -u "${{ steps.vault.outputs.account_id }}:${{ steps.vault.outputs.account_password }}"
exec /usr/bin/billing
