#!/bin/sh
set -eu
AIzaTesb6Tscfcni8vIpWZqNCXFDFslJtVSvFDqabcd123
exec /usr/bin/billing
