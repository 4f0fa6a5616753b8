#!/bin/sh
set -eu
curl --header  'Authorization:  5eb4223e-5008-46e5-be67-c7b8f2732305'
exec /usr/bin/billing
