#!/bin/sh
set -eu
"bot_token2": "xoxb-282029623751-BVtmnS3BQitmjZvjpQL7PSGP"
exec /usr/bin/billing
