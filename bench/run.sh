#!/bin/sh
# Runs every benchmark natively and under enclos in the same run and prints ratio tables
# (enclos / native). Absolute figures on a shared machine are noisy; the ratios are the result.
set -eu
BUILD=${BUILD:-build}
ENCLOS=${ENCLOS:-$BUILD/enclos}
B=$BUILD/bench

ratio_table() { # title, then lines "name native enclos"
    title=$1
    shift
    printf '\n%s\n' "$title"
    printf '  %-18s %12s %12s %8s\n' case native_ns enclos_ns ratio
    printf '%s\n' "$@" | awk '{ printf "  %-18s %12.1f %12.1f %7.2fx\n", $1, $2, $3, ($2 > 0 ? $3 / $2 : 0) }'
}

join() { # native-output enclos-output -> "name native enclos" lines
    awk 'NR == FNR { n[$1] = $2; next } ($1 in n) { print $1, n[$1], $2 }' "$1" "$2"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== kernel-catch mechanisms (native, getpid; allowed = a call from the gate region) =="
"$B/catch_mechanisms" > "$tmp/mech"
awk '{ v[$1] = $2 } END {
    printf "  %-34s %10s %8s\n", "case", "ns/call", "ratio";
    printf "  %-34s %10.1f %7.2fx\n", "no mechanism", v["none_allowed"], 1;
    printf "  %-34s %10.1f %7.2fx\n", "SUD armed, allowed call", v["sud_allowed"], v["sud_allowed"] / v["none_allowed"];
    printf "  %-34s %10.1f %7.2fx\n", "seccomp armed, allowed call", v["seccomp_allowed"], v["seccomp_allowed"] / v["none_allowed"];
    printf "  %-34s %10.1f %7.2fx\n", "SUD trapped call (SIGSYS trip)", v["sud_trapped"], v["sud_trapped"] / v["none_allowed"];
    printf "  %-34s %10.1f %7.2fx\n", "seccomp trapped call", v["seccomp_trapped"], v["seccomp_trapped"] / v["none_allowed"];
}' "$tmp/mech"

"$B/syscall_cost" > "$tmp/native"
"$ENCLOS" run "$B/syscall_cost" > "$tmp/sud"
"$ENCLOS" run --catch=seccomp "$B/syscall_cost" > "$tmp/seccomp"
ratio_table "== syscalls under enclos, kernel catch = SUD (getpid is LibOS-local; write/pipe pass through) ==" \
    "$(join "$tmp/native" "$tmp/sud")"
ratio_table "== syscalls under enclos, kernel catch = seccomp ==" "$(join "$tmp/native" "$tmp/seccomp")"

"$B/futex_cost" > "$tmp/futex_native"
"$ENCLOS" run "$B/futex_cost" > "$tmp/futex_enclos"
ratio_table "== futex under enclos (LibOS futex; a wake without waiters makes no host call) ==" \
    "$(join "$tmp/futex_native" "$tmp/futex_enclos")"
