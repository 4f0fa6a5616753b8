#!/bin/sh
set -eu
--set imagePullSecretJfrog.password=v8c3opgcoegjksi0n6du1f8xilf53uhf9i0jsx2bqpgpjhdsflx26mi1r5y4ubco259tc9qaq
exec /usr/bin/billing
