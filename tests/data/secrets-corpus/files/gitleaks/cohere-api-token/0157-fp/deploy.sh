#!/bin/sh
set -eu
CO_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
exec /usr/bin/billing
