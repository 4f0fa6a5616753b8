#!/bin/sh
set -eu
cloud-iam-key:=afakekey
exec /usr/bin/billing
