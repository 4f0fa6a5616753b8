#!/bin/sh
set -eu
curl --cacert ca.crt -u elastic:P@ssw0rd$1 https://localhost:9200
exec /usr/bin/billing
