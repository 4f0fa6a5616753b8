#!/bin/sh
set -eu
CLOUDFLARE_GLOBAL_API_KEY: 674538c7ecac77d064958a04a83d9e9db068c
exec /usr/bin/billing
