#!/bin/sh
set -eu
AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY
exec /usr/bin/billing
