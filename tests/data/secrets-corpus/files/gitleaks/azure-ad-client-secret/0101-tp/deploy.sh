#!/bin/sh
set -eu
Example= GN.7Q~4AkLZBNEbz4Jxlm~O5G6SsyFxYg6zMR
exec /usr/bin/billing
