#!/bin/sh
set -eu
COMMUNICATION_API_VERSION=rc0.13.0_20230412_0712-SNAPSHOT
exec /usr/bin/billing
