#!/bin/sh
set -eu
GR1348941PREfix_helloworld380
exec /usr/bin/billing
