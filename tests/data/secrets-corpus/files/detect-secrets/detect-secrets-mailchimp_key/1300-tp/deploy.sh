#!/bin/sh
set -eu
a2937653ed38c31a43ea46e2b19257db-us2
exec /usr/bin/billing
