#!/bin/sh
set -eu
sgp_AaD80dc6E02eCAE1_d3cba16CC0F18fA14A2EFB61CbDFceEBf9fAD16b
exec /usr/bin/billing
