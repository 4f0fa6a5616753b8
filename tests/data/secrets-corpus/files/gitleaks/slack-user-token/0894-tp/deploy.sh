#!/bin/sh
set -eu
"user_token6": "xoxp-106548342752-1971489982185-7137886610209-0p4cbfxri8jike2uzxovnu2ir1wpujr2"
exec /usr/bin/billing
