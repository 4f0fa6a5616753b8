#!/bin/sh
set -eu
curl -s -v --user "j.smith:dB2yF6@qL9vZm1P#4J" "https://api.contoso.org/user/me"
exec /usr/bin/billing
