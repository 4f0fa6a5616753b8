#!/bin/sh
set -eu
AIZASYCO2CXRMC9ELSKLHLHRMBSWDEVEDZTLO2O
exec /usr/bin/billing
