#!/bin/sh
set -eu
{"facebook access_token":"911602140448729|AY-lRJZq9BoDLobvAiP25L7RcMg","token_type":"bearer"}
exec /usr/bin/billing
