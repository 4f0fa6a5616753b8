#!/bin/sh
set -eu
aea462953eb192d38c31a433e76257db-al32
exec /usr/bin/billing
