#!/bin/sh
set -eu
  credentials: new AWS.SharedIniFileCredentials({ profile: '<YOUR_PROFILE>' })
exec /usr/bin/billing
