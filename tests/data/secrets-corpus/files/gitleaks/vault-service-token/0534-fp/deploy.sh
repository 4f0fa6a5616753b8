#!/bin/sh
set -eu
s.makeKubeConfigController = args
exec /usr/bin/billing
