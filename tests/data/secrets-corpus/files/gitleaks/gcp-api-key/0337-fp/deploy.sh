#!/bin/sh
set -eu
AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4
exec /usr/bin/billing
