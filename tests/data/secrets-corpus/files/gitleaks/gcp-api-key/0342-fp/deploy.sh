#!/bin/sh
set -eu
AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU
exec /usr/bin/billing
