#!/bin/sh
set -eu
<key tag="SecurityIdentifier" name="SecurityIdentifier" type="STRING" />
exec /usr/bin/billing
