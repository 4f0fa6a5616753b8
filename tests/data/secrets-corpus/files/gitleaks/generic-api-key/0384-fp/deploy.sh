#!/bin/sh
set -eu
credentialsId: 'ff083f76-7804-4ef1-80e4-fe975bb9141b'
exec /usr/bin/billing
