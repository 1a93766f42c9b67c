#!/bin/sh
# Installs the Debian packages the tests use when they are missing: busybox-static (the
# busybox tests) and musl-tools (the musl builds of the test programs). Needs root.
set -e
missing=
[ -x /bin/busybox ] || missing="$missing busybox-static"
command -v musl-gcc >/dev/null 2>&1 || missing="$missing musl-tools"
[ -n "$missing" ] || exit 0
if [ "$(id -u)" != 0 ]; then
    echo "tests/setup.sh: missing$missing; install them as root" >&2
    exit 1
fi
echo "tests/setup.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq $missing >&2
