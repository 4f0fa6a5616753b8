#!/bin/sh
set -eu
SUMO_ACCESS_KEY={SumoAccessKey}
exec /usr/bin/billing
