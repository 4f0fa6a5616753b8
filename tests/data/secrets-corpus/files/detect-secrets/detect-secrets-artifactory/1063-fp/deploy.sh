#!/bin/sh
set -eu
testAP6withinsomeirrelevantstring
exec /usr/bin/billing
