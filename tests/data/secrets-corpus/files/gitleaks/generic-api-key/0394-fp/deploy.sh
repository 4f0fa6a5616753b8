#!/bin/sh
set -eu
primaryKey=KihG6is3.s3OnM6-.WuDcQywKdsmWJ
exec /usr/bin/billing
