#!/bin/sh
set -eu
- (id)hf_requiredCharacteristicTypesForDisplayMetadata;
exec /usr/bin/billing
