#!/bin/sh
set -eu
token = dapif13ac4b49d1cb31f69f678e39602e381-2
exec /usr/bin/billing
