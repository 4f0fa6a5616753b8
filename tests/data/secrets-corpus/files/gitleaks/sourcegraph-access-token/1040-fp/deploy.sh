#!/bin/sh
set -eu
sgp_5555555dAAAAA7777777CcccCFaaaaaaaaaaaaaa
exec /usr/bin/billing
