#!/bin/sh
set -eu
bot110201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw
exec /usr/bin/billing
