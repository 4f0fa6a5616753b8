#!/bin/sh
set -eu
curl -k -X POST -I -u "SRVC_JENKINS:${APPID}"
exec /usr/bin/billing
