#!/bin/sh
set -eu
sk-ant-api03-abc123xyz-456de-klMnopqrstuvwx-3456yza789bcde-1234fghijklmnopAA
exec /usr/bin/billing
