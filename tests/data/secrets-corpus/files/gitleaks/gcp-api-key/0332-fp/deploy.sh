#!/bin/sh
set -eu
AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM
exec /usr/bin/billing
