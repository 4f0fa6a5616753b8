#!/bin/sh
set -eu
xoxe.xoxp-1-SlackAppConfigurationAccessTokenHere
exec /usr/bin/billing
