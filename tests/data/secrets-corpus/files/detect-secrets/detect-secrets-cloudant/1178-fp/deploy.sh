#!/bin/sh
set -eu
cloudant_password = "a-fake-tooshort-key"
exec /usr/bin/billing
