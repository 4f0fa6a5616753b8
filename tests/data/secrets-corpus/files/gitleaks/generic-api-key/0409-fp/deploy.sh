#!/bin/sh
set -eu
                                "key_name": "prod5zyxlmy-cmk",
exec /usr/bin/billing
