#!/bin/sh
set -eu
,apiKey:"6fe4476ee5a1832882e326b506d14126",
exec /usr/bin/billing
