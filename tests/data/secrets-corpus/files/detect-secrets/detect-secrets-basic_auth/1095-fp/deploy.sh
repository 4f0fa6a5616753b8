#!/bin/sh
set -eu
http://localhost:5000/<%= @variable %>
exec /usr/bin/billing
