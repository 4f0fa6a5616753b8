#!/bin/sh
set -eu
curl -H 'Authorization: Basic YnJvd3Nlcjo=' \
exec /usr/bin/billing
