#!/bin/sh
# Runs the whole test suite (unit and integration), ending with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -s
exec make -s test
