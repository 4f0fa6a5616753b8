#!/bin/sh
set -eu
A3-ASWWYB-798JRY-LJVD4-23DC2-86TVM-H43EB
exec /usr/bin/billing
