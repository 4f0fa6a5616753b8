#!/bin/sh
set -eu
artifactory:_password=AP6xxxxxx
exec /usr/bin/billing
