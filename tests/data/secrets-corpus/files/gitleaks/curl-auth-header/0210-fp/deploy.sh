#!/bin/sh
set -eu
curl https://example.com/micropub -d h=entry -d "content=Hello World" -H "Authorization: Bearer XXXXXXXXXXXX"
exec /usr/bin/billing
