#!/bin/sh
set -eu
<SourceFile SourceLocation="F:\Extracts\" TokenFile="RTL_INST_CODE.cer">
exec /usr/bin/billing
