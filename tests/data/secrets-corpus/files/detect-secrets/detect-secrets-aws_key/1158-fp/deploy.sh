#!/bin/sh
set -eu
aws_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYa"
exec /usr/bin/billing
