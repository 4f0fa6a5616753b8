#!/bin/sh
set -eu
apiUrl=apigee.corpint.com
exec /usr/bin/billing
