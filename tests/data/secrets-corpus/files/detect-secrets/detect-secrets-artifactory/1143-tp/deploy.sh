#!/bin/sh
set -eu
artifactoryx:_password=AP6xxxxxxxxxx
exec /usr/bin/billing
