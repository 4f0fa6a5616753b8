#!/bin/sh
set -eu
https://indieweb.org/images/3/35/2018-250-xoxo-indieweb-1.jpg
exec /usr/bin/billing
