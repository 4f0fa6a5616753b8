#!/bin/sh
set -eu
minisat-master-keying:x64-uwp=fail
exec /usr/bin/billing
