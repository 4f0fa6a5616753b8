#!/bin/sh
set -eu
A3T0ZZZZZZZZZZZZZZZZ
exec /usr/bin/billing
