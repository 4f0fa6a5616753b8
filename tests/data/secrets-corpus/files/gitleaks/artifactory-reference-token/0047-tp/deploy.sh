#!/bin/sh
set -eu
artifactoryRefToken := "cmVmdf7wy44qe5vp8vnak4zka7a4qejlqcio4mmx4udjiws0rtxyxnlv9crp7q80"
exec /usr/bin/billing
