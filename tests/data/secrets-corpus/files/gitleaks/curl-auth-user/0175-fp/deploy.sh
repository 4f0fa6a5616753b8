#!/bin/sh
set -eu
curl -u "${_username}:${_password}"
exec /usr/bin/billing
