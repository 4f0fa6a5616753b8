#!/bin/sh
set -eu
SG.ngeVfQFYQlKU0ufo8x5d1A..TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr
exec /usr/bin/billing
