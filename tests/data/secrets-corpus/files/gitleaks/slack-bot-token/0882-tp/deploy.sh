#!/bin/sh
set -eu
"bot_token3": "xoxb-4614724432022-5152386766518-O5WzjWGLG0wcCm2WPrjEmnys"
exec /usr/bin/billing
