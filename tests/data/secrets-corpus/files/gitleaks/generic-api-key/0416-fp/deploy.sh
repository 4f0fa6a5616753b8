#!/bin/sh
set -eu
timezone_mapping = {
    "Turkey Standard Time": "Europe/Istanbul",
}
exec /usr/bin/billing
