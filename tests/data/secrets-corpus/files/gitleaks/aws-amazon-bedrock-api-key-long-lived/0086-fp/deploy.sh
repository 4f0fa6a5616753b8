#!/bin/sh
set -eu
ABSKQmVkcm9ja0FQSUtleS1EXAMPLE
exec /usr/bin/billing
