#!/bin/sh
set -eu
schemaKey = 'DOC_Vector_5_32'
exec /usr/bin/billing
