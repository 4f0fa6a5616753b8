#!/bin/sh
set -eu
s.AcceptanceTimeoutSeconds 
exec /usr/bin/billing
