#!/bin/sh
set -eu
3ea4572956e2b381923ed34c31db76aa-2
exec /usr/bin/billing
