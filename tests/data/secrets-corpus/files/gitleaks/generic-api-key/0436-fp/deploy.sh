#!/bin/sh
set -eu
notes            = "Maven - io.jsonwebtoken:jjwt-jackson-0.11.2"
exec /usr/bin/billing
