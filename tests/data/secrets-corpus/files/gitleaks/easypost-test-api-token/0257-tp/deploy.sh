#!/bin/sh
set -eu
EZTKpB5WUubHuufCsmZs1x4DeK0Kr09ilm7snTXUEidnYUKPgtp25OKf14
exec /usr/bin/billing
