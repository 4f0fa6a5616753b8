#!/bin/sh
set -eu
MZ1yGvKTj0rY0cV8i47CjAa.uRHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zMC
exec /usr/bin/billing
