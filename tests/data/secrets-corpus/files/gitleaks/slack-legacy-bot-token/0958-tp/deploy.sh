#!/bin/sh
set -eu
"bot_token10": "xoxb-0678465713-44ydkt56wyi4cyqgzn2dgdl8
exec /usr/bin/billing
