#!/bin/sh
set -eu
"token4": "xoxp-572370529330-573807301142-572331691188-####################"
exec /usr/bin/billing
