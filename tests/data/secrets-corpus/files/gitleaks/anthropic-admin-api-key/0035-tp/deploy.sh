#!/bin/sh
set -eu
anthropic_api_token = "sk-ant-admin01-z9hrwa0q3uqwi7wwnkfrkavckwn6bcblu_9oiukmglt0qunzyscptuot1mf33ll2dy5f95k9habt7jae2f_0xz25ql_toAA"
exec /usr/bin/billing
