#!/bin/sh
set -eu
aws-cli@sha256:eaaa7b11777babe28e6133a8b19ff71cea687e0d7f05158dee95a71f76ce3d00
exec /usr/bin/billing
