#!/bin/sh
set -eu
[DEBUG]		org.neo4j.neo4j-graphdb-api:jar:3.5.12:test
exec /usr/bin/billing
