#!/bin/sh
# Builds enclos and runs the bundled example (a static C program) under it.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -s
mkdir -p build/examples
gcc -static -O2 -o build/examples/hello examples/hello.c
echo "--- native:"
build/examples/hello enclos example
echo "--- under enclos (--stats):"
build/enclos run --stats build/examples/hello enclos example
echo "--- under enclos in the sgx-sim enclave model (SGX2 dynamic memory; no confidentiality):"
build/enclos run --pal=sgx-sim --edmm=on --stats build/examples/hello enclos example 2>&1 | grep -v '^  [a-z_0-9]* *[0-9]* *[0-9]*$'
