#!/bin/sh
set -eu
curl -H "Authorization: Token 22cb987851bc5659229114c62e60c79abd0d2c08" --request PUT https://appsecclass.report/api/use/635
exec /usr/bin/billing
