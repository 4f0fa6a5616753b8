#!/bin/sh
set -eu
example.com?t=EZAK2sgGAbfQdhMdYv9z5iz7cQsFKhopdk97PunOKgU1XJop2371fYuNqX&q=1
exec /usr/bin/billing
