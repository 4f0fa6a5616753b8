#!/bin/sh
set -eu
fake-softlayer-key= "not_long_enough"
exec /usr/bin/billing
