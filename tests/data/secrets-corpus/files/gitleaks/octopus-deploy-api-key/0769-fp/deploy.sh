#!/bin/sh
set -eu
<iframe src="./archive/gifs/api-c99e353f761d318322c853c03e.gif"> </iframe>
exec /usr/bin/billing
