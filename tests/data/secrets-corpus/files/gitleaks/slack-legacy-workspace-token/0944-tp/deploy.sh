#!/bin/sh
set -eu
"refresh_token1": "xoxr-5-p53spc81cga2
exec /usr/bin/billing
