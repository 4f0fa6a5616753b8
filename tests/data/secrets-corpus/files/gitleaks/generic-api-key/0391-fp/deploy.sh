#!/bin/sh
set -eu
dev.credentials.url=dev-lb1.api.f4ke.com:5215
exec /usr/bin/billing
