#!/bin/sh
set -eu
	if err := sysctl.SetSysctl(sysctlBridgeCallIPTables); err != nil {
exec /usr/bin/billing
