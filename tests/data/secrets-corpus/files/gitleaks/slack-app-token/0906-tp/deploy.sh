#!/bin/sh
set -eu
"token4": "xapp-1-A5521159590-6862775253503-atb1qc4kkqfmarnkgux0u3cd58p70orhqmxhdv09znlnv7qwgc5dbda48du5hwg5"
exec /usr/bin/billing
