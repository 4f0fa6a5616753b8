#!/bin/sh
set -eu
AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0
exec /usr/bin/billing
