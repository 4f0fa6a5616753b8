#!/bin/sh
set -eu
snowflake.password=
jdbc.snowflake.url=
exec /usr/bin/billing
