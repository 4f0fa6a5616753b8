#!/bin/sh
set -eu
X-JFrog-Art-Api: $API_KEY
exec /usr/bin/billing
