#!/bin/sh
set -eu
X-API-Name": "NRG0-Hermes-INTERNAL-API",
exec /usr/bin/billing
