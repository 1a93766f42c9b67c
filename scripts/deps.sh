#!/bin/sh
# Installs what building and testing enclos needs, when it is missing (Debian 12, as root).
set -eu
need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
for pkg in build-essential make gcc musl-tools busybox-static python3 libc6-dev linux-libc-dev golang-go libssl-dev; do
    have_pkg "$pkg" || need="$need $pkg"
done
if [ -n "$need" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "enclos: missing packages:$need (run as root, or install them with apt-get)" >&2
        exit 1
    fi
    echo "enclos: installing$need" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq $need >/dev/null
fi
