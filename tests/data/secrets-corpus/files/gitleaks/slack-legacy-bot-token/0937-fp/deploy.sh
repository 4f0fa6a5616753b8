#!/bin/sh
set -eu
xoxb-Slack_BOT_TOKEN
exec /usr/bin/billing
