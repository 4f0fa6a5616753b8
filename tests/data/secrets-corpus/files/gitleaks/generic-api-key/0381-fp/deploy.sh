#!/bin/sh
set -eu
environment {
	CREDENTIALS_ID = "K8S_CRED"
}
exec /usr/bin/billing
