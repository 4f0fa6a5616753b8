#!/bin/sh
set -eu
oc login --token=sha256~ZBMKw9VAayhdnyANaHvjJeXDiGwA7Fsr5gtLKj3-eh- 
exec /usr/bin/billing
