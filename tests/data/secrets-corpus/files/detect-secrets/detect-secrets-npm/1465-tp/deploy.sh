#!/bin/sh
set -eu
//registry.npmjs.org/:_authToken=346a14f2-a672-4668-a892-956a462ab56e
exec /usr/bin/billing
