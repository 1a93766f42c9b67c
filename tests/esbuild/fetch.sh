#!/bin/sh
# Fetches esbuild's static Linux binary (a stripped binary built by a current Go toolchain)
# from the npm registry into build/esbuild/, once. Prints its path; exits 2 when npm or the
# registry is not available, so the test is skipped rather than failed.
set -eu
dest=${1:-build/esbuild}
bin="$dest/package/bin/esbuild"
if [ -x "$bin" ]; then
    echo "$bin"
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm is not installed" >&2; exit 2; }
mkdir -p "$dest"
tarball=$(cd "$dest" && timeout 120 npm pack --silent @esbuild/linux-x64 2>/dev/null | tail -n 1) ||
    { echo "npm pack @esbuild/linux-x64 failed (registry unreachable?)" >&2; exit 2; }
tar xzf "$dest/$tarball" -C "$dest"
echo "$bin"
