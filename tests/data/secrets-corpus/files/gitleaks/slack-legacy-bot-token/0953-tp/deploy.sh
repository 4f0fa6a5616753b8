#!/bin/sh
set -eu
"bot_token5": "xoxb-312554961652-uSmliU84rFhnUSBq9YdKh6lS"
exec /usr/bin/billing
