#!/bin/sh
set -eu
artifactoryApiKey := "AKCptejk0u9qwz8hx86dfmp3v4s6p94rmuu480oqnl87kglq418rp6qfhsen8ka696p10zql1"
exec /usr/bin/billing
