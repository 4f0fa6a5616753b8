#!/bin/sh
set -eu
"bot_token2": "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1MBS"
exec /usr/bin/billing
