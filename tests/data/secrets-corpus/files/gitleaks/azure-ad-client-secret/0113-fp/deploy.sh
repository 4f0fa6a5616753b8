#!/bin/sh
set -eu
.ui.visible.right.sidebar~.ui.visible.left.sidebar~.pusher{transform:translate3d(0,0,0)}
exec /usr/bin/billing
