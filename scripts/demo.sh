#!/bin/sh
# make demo: nomd end to end on a throwaway Dovecot + Postfix on 127.0.0.1.
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 scripts/demo.py "$@"
