#!/bin/sh
set -eu
AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM
exec /usr/bin/billing
