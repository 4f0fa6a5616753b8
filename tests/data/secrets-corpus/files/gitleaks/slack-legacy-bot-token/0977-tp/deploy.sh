#!/bin/sh
set -eu
"bot_token8": "xoxb-159279836768-FOst5DLfEzmQgkz7cte5qiI"
exec /usr/bin/billing
