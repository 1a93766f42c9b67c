#!/bin/sh
# Makes the file tree that the manifests of tests/cli/manifests mount, in DIR:
#   DIR/root      the app's /, with the probe as /bin/probe; root/data is hidden by /data
#   DIR/data      the app's /data
#   DIR/outside.txt  a file outside every mount, which no path of the app may reach
# Usage: make_tree.sh DIR PROBE_BINARY
set -e
dir=$1
probe=$2
mkdir -p "$dir/root/bin" "$dir/root/etc" "$dir/root/data" "$dir/data/sub"
cp "$probe" "$dir/root/bin/probe"
printf 'in root\n' >"$dir/root/etc/motd"
printf 'hidden by the /data mount\n' >"$dir/root/data/shadowed.txt"
printf 'data note\n' >"$dir/data/note.txt"
printf 'relative\n' >"$dir/data/sub/rel.txt"
printf 'outside every mount\n' >"$dir/outside.txt"
