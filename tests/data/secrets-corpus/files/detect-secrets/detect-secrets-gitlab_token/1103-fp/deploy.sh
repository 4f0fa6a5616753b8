#!/bin/sh
set -eu
gldt-seems_too000Sshorty
exec /usr/bin/billing
