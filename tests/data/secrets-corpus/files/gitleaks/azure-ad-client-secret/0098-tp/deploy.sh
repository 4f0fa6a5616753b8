#!/bin/sh
set -eu
"CLIENT_SECRET": "YYz7Q~Sudoqwap1PnzEBA3zqBK~i5uesDIv.C"
exec /usr/bin/billing
