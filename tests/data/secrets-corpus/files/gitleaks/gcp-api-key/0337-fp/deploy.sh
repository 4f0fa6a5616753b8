#!/bin/sh
set -eu
apiKey: "AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
exec /usr/bin/billing
