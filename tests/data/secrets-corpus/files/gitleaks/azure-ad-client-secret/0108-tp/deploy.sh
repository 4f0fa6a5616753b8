#!/bin/sh
set -eu
(QtT8Q~9C-_Ij~RouHVpD2Tuf3oHWGh.DQ3kcjbAn)
exec /usr/bin/billing
