#!/bin/sh
set -eu
example.com?t=EZTK5wOXu9hKsnlrmmVFyYukEV5OSAqZDyhsyirFURYHuWP2bYZBtO1MjS&q=1
exec /usr/bin/billing
