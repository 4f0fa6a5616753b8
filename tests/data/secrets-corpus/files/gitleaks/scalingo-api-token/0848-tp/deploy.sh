#!/bin/sh
set -eu
scalingo_api_token = "tk-us-loys7ib9yrxcys_ta2sq85mjar6lgcsspkd9x61s7h5epf_-"
exec /usr/bin/billing
