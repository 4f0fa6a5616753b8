#!/bin/sh
set -eu
curl --silent --fail {{- if and $.Values.username $.Values.password }} --user "{{ $.Values.username }}:{{ $.Values.password }}"
exec /usr/bin/billing
