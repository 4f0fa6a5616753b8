#!/bin/sh
set -eu
"bot_token3": "xoxb-47834520726-N3otsrwj8Cf99cs8GhiRZsX1"
exec /usr/bin/billing
