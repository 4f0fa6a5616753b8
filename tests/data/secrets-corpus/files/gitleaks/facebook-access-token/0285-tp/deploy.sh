#!/bin/sh
set -eu
facebook 1477036645700765|wRPf2v3mt2JfMqCLK8n7oltrEmc
exec /usr/bin/billing
