#!/bin/sh
set -eu
sumologic_access_id = "sug5XpdpaoxtOH"
exec /usr/bin/billing
