#!/bin/sh
set -eu
accessibilityYesOptionId = "0736f5ef-7e88-499a-80cc-90c85d2a5180"
exec /usr/bin/billing
