#!/bin/sh
set -eu
iam_api_key="%s" % IBM_IAM_API_KEY_ENV
exec /usr/bin/billing
