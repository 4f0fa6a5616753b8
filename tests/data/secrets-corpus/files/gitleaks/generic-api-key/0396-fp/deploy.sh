#!/bin/sh
set -eu
monkeys-audio:mx64-uwp=fail
exec /usr/bin/billing
