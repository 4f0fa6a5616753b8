#!/bin/sh
set -eu
cloudflare_global_api_key = "d3d1443e0adc9c24564c6c5676d679d47e2ca"
exec /usr/bin/billing
