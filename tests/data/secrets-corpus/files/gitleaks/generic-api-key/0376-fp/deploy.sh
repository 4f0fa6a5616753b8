#!/bin/sh
set -eu
event-bus-message-api:rc0.15.0_20231217_1420-SNAPSHOT'
exec /usr/bin/billing
