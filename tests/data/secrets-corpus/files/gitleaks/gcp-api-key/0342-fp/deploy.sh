#!/bin/sh
set -eu
AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU
exec /usr/bin/billing
