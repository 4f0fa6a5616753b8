#!/bin/sh
set -eu
- (NSInteger)sumOfValuesInRange:(NSRange)range;
exec /usr/bin/billing
