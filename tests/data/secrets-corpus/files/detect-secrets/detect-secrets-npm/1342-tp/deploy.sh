#!/bin/sh
set -eu
//registry.npmjs.org/:_authToken= 743b294a-cd03-11ec-9d64-0242ac120002
exec /usr/bin/billing
