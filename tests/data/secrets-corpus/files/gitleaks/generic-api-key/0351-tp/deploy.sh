#!/bin/sh
set -eu
some_api_token_123 = "wLUXCVHWDBY0zwN6S0LS3SeBSLhYQVLCzb4IPu7vpwIDvGiZbV4zp4CroOZS"
exec /usr/bin/billing
