#!/bin/sh
set -eu
"token3": "xoxp-1234-1234-1234-4ddbc191d40ee098cbaae6f3523ada2d"
exec /usr/bin/billing
