#!/bin/sh
set -eu
SONAR.LOGIN :::= "12345678ABCDEFH1234567890ABCDEFH12345678"
exec /usr/bin/billing
