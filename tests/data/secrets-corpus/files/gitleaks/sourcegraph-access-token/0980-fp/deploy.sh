#!/bin/sh
set -eu
BcAeb6640ad7DAD46AD73687946Ce85047d5C9Bb
exec /usr/bin/billing
