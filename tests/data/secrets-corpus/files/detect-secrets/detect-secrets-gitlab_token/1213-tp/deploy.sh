#!/bin/sh
set -eu
glimt-my-tokens_are-correctAB38
exec /usr/bin/billing
