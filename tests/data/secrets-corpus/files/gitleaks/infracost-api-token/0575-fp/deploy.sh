#!/bin/sh
set -eu
https://explosivelab.notion.site/Pianificazione-Nerdz-Ng-pubblico-1bc826ecc0994dd8915be97fc3489cde?pvs=74
exec /usr/bin/billing
