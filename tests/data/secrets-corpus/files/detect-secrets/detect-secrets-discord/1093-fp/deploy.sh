#!/bin/sh
set -eu
MZ1yGvKTjE0rY0cV8i47CjAa.uHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zMC
exec /usr/bin/billing
