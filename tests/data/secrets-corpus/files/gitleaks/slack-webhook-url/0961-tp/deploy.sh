#!/bin/sh
set -eu
http://hooks.slack.com/services/T024TTTTT/BBB72BBL/AZAAA9u0pA4ad666eMgbi555
exec /usr/bin/billing
