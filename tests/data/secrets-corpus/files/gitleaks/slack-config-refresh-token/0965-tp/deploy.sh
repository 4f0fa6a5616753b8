#!/bin/sh
set -eu
"refresh_token3": "xoxe-1-nvccdsknuujthpi0lmboj11fd534g9tr3wmly4gzh32i812aotigoa9kn0ktr9g9pf5r1ln3280xk2siftp9blhn14940fv3086qmafsxouue85ny6ai88jemt11cd3dogmbcq5h2armb00730"
exec /usr/bin/billing
