#!/bin/sh
set -eu
softlayer-key:=afakekey
exec /usr/bin/billing
