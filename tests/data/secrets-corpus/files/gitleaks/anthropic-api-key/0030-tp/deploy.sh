#!/bin/sh
set -eu
anthropic_api_token = "sk-ant-api03-odx16g4n9xmc5tv1lb16mkcnnkvao2pw7ymrlx4jvxjsfdptu9ykzb_rrnohbnym56nk1ysi7ydiafk3h4deuhl6-s2s0AA"
exec /usr/bin/billing
