#!/bin/sh
set -eu
curl -XGET -i -u "${{ env.ELK_ID }}:${{ build.env.ELK_PASS }}"
exec /usr/bin/billing
