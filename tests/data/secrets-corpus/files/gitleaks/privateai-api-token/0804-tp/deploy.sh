#!/bin/sh
set -eu
privateai_api_token = "r46drvnhjc9u0si7aer2skg02asu64wr"
exec /usr/bin/billing
