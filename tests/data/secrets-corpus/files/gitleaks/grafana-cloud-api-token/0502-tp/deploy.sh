#!/bin/sh
set -eu
grafana-cloud-api-token_api_token = "glc_l4h32pjte6jgnyyhwkdf104k0licr5uu"
exec /usr/bin/billing
