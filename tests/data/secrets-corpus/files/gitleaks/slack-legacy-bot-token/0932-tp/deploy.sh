#!/bin/sh
set -eu
"bot_token7": "xoxb-130154379991-ogFL0OFP3w6AwdJuK7wLojpK"
exec /usr/bin/billing
