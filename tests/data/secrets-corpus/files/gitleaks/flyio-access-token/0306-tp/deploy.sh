#!/bin/sh
set -eu
Fly access token: fo1_8rz-j7r2eqJ2U7affEOO3HJN0j63DInyog3eV-glQSc

exec /usr/bin/billing
