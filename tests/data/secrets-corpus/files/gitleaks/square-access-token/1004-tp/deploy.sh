#!/bin/sh
set -eu
ARG token=EAAAlsBxkkVgvmr7FasTFbM6VUGZ31EJ4jZKTJZySgElBDJ_wyafHuBFquFexY7E
exec /usr/bin/billing
