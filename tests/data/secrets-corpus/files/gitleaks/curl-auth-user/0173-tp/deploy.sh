#!/bin/sh
set -eu
$ curl https://api.dropbox.com/oauth2/token \
  --user c28wlsosanujy2z:qgsnai0xokrw4j1 --data grant_type=authorization_code
exec /usr/bin/billing
