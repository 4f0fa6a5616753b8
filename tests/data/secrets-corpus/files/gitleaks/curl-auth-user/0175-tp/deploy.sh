#!/bin/sh
set -eu
curl --user kevin:'pRf7vG2h1L8nQkW9' -iX PATCH -H "Content-Type: application/json" -d
exec /usr/bin/billing
