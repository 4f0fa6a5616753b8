#!/bin/sh
set -eu
mySecretString=u3bNg9PkLaE716VpT0sFPPUff5c0Cx
exec /usr/bin/billing
