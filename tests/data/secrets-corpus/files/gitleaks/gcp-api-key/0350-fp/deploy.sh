#!/bin/sh
set -eu
AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE
exec /usr/bin/billing
