#!/bin/sh
set -eu
curl \
  -H "Authorization: Bearer <Openverse API token>" \
  "https://api.openverse.org/v1/audio/?q=test"
exec /usr/bin/billing
