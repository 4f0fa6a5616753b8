#!/bin/sh
set -eu
curl http://127.0.0.1:5000/file --user user:pass --digest        # digest auth
exec /usr/bin/billing
