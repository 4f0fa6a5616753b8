#!/bin/sh
set -eu
BlindKeySignatures = Ed25519.BlindKeySignatures
exec /usr/bin/billing
