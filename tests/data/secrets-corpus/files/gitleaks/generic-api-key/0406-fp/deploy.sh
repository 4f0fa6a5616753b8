#!/bin/sh
set -eu
  keyVaultToStoreSecrets: cmp2-qat-1208358310
exec /usr/bin/billing
