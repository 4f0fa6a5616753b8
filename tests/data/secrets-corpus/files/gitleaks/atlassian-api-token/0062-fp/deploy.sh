#!/bin/sh
set -eu
getPagesInConfluenceSpace,searchConfluenceUsingCql
exec /usr/bin/billing
