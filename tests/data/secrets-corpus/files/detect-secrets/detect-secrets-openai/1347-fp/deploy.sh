#!/bin/sh
set -eu
sk-proj-Xi8tdMjHV6pmbBbwilTeT4BlbkFJ3UDnpdEwNNm6wVBpYM0o
exec /usr/bin/billing
