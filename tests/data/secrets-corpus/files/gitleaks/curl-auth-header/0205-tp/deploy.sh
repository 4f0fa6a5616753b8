#!/bin/sh
set -eu
curl -L -H "Authorization: sha256~bRLFnzd5@=-.a+/hgdS"
exec /usr/bin/billing
