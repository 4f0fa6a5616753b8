#!/bin/sh
set -eu
arn:aws:sns:aaa:111122223333:aaaaaaaaaaaaaaaaaaassssssddddddddddddd
exec /usr/bin/billing
