#!/bin/sh
set -eu
rookTable = 0023452Lllk2KqjLBvaxANWEgTd7bqjsxjo8aZj0wd
exec /usr/bin/billing
