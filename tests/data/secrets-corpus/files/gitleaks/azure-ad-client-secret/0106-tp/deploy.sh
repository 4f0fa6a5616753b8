#!/bin/sh
set -eu
\"pass\": \"p~C8Q~22xVoUk.Fw4IcKYPhcPs60Cq5IUDRQtr
exec /usr/bin/billing
