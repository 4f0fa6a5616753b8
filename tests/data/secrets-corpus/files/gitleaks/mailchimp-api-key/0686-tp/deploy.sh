#!/bin/sh
set -eu
mailchimp_api_key: cefa780880ba5f5696192a34f6292c35-us18
exec /usr/bin/billing
