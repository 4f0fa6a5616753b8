#!/bin/sh
set -eu
issuerKeyHash=kYrSNmrwPO-RdLBaABpm=ch3q0V657
exec /usr/bin/billing
