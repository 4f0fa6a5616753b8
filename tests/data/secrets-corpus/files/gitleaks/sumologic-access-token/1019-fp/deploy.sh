#!/bin/sh
set -eu
-e SUMO_ACCESS_KEY=`etcdctl get /sumologic_secret`
exec /usr/bin/billing
