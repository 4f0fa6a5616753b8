#!/bin/sh
set -eu
"user_token2": "xoxp-283316862324-298911817009-298923149681-44f585044dace54f5701618e97cd1c0b"
exec /usr/bin/billing
