#!/bin/sh
set -eu
+ (unsigned char)byteChecksumOfData:(id)arg1;
exec /usr/bin/billing
