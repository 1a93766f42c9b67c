#!/bin/sh
# The sgx-sim tables of `make bench` (bench/run.sh calls this; it runs alone as well):
# start-up time against enclave size, EDMM page faults with and without preheat, trims and
# exits of an allocate-free churn with lazy free off and on, exits per request of the Go
# HTTP server. Counts come from `--stats` (exact, the same from run to run); times are from
# one run on a shared machine and only compare with each other. Nothing here passes or
# fails: the tables print what was seen, ratios included.
set -eu
BUILD=${BUILD:-build}
ENCLOS=${ENCLOS:-$BUILD/enclos}
B=$BUILD/bench
SGX="$ENCLOS run --pal=sgx-sim --stats"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now_ns() { date +%s%N; }

# field FILE REGEX: the first \(group\) of REGEX in the --stats lines of FILE, or 0.
field() {
    v=$(sed -n "s/.*$2.*/\\1/p" "$1" | head -n 1)
    echo "${v:-0}"
}

# timed FILE CMD...: runs CMD with stdout discarded and stderr (the --stats lines) in FILE;
# prints the wall time in ms. The command's exit status is not ours to judge here.
timed() {
    out=$1
    shift
    t0=$(now_ns)
    "$@" > /dev/null 2> "$out" || true
    t1=$(now_ns)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'
}

# median3 NAME CMD...: runs CMD three times; prints the median wall ms and leaves the
# --stats lines of the median run in $tmp/NAME.
median3() {
    name=$1
    shift
    for i in 1 2 3; do
        echo "$(timed "$tmp/$name.$i" "$@") $i"
    done | sort -n | sed -n 2p > "$tmp/$name.median"
    read -r ms run < "$tmp/$name.median"
    cp "$tmp/$name.$run" "$tmp/$name"
    echo "$ms"
}

# ---- 1. Start-up time against enclave size ----------------------------------------------
prog=$BUILD/tests/progs/hello.musl-static # built by the test suite; /bin/true otherwise
[ -x "$prog" ] || prog=/bin/true
native_ms=$(median3 native "$prog")
direct_ms=$(median3 direct "$ENCLOS" run "$prog")
printf '\n== sgx-sim start-up against enclave size: %s, wall ms of the whole run (median of 3) ==\n' \
    "$(basename "$prog")"
printf '%s\n' "   SGX1 (--edmm=off) EADDs every page of the range at start; EDMM adds only the runtime"
printf '%s\n' "   and the thread slots and the rest on demand. built_ms: building the enclave (--stats)."
printf '  native %.1f ms, enclos on the direct PAL %.1f ms\n' "$native_ms" "$direct_ms"
printf '  %-6s %10s %9s %9s %10s   %10s %9s %9s %10s\n' size SGX1_ms x_direct built_ms EADD \
    EDMM_ms x_direct built_ms EADD
for size in 256M 1G 4G 8G 64G; do
    if [ "$size" = 64G ]; then
        sgx1="- - -" # 16M pages to add: tens of seconds, and no SGX1 part has that much EPC
    else
        ms=$(median3 "sgx1_$size" $SGX --edmm=off --enclave-size=$size "$prog")
        f=$tmp/sgx1_$size
        sgx1="$ms $(field "$f" 'built in \([0-9]*\) ms') $(field "$f" 'EADD \([0-9]*\)')"
    fi
    ms=$(median3 "edmm_$size" $SGX --edmm=on --enclave-size=$size "$prog")
    f=$tmp/edmm_$size
    edmm="$ms $(field "$f" 'built in \([0-9]*\) ms') $(field "$f" 'EADD \([0-9]*\)')"
    echo "$size $direct_ms $sgx1 $edmm"
done | awk '
    function x(ms, d) { return (ms == "-" || d <= 0) ? "-" : sprintf("%.1fx", ms / d) }
    { printf "  %-6s %10s %9s %9s %10s   %10s %9s %9s %10s\n",
             $1, $3, x($3, $2), $4, $5, $6, x($6, $2), $7, $8 }'

# ---- 2. EDMM page faults with preheat 0 and preheat sized by enclos profile --------------
# faults during the run = EAUG - EAUG at start: every page added after start-up is an EDMM
# page fault (an eager mapping's pages too: the enclave's EACCEPT of a missing page faults).
preheat_rows() { # label, program and args
    label=$1
    shift
    "$ENCLOS" profile "$@" > /dev/null 2> "$tmp/profile" || true
    size=$(sed -n 's/^sgx\.edmm_preheat_size = "\([^"]*\)".*/\1/p' "$tmp/profile")
    for preheat in 0 "${size:-0}"; do
        ms=$(timed "$tmp/preheat" $SGX --edmm=on --edmm-preheat="$preheat" "$@")
        f=$tmp/preheat
        echo "$label $preheat $(field "$f" 'EAUG \([0-9]*\)')" \
            "$(field "$f" 'EAUG [0-9]* (at start \([0-9]*\))')" \
            "$(field "$f" 'sgx-sim exits: \([0-9]*\)')" \
            "$(field "$f" 'modeled cost: \([0-9]*\) Mcycles') $ms"
    done
}
{
    preheat_rows "sgx_heap" "$B/sgx_heap" 96
    if [ -x "$BUILD/tests/go/jsonsha" ]; then # built by the test suite, not by make bench
        preheat_rows "go/jsonsha" "$BUILD/tests/go/jsonsha"
    fi
} > "$tmp/preheat_rows"
printf '\n== sgx-sim EDMM page faults, --edmm-preheat=0 and the size `enclos profile` gives ==\n'
printf '%s\n' "   at_start: pages preheat added before the program ran; run_faults: EDMM page faults"
printf '%s\n' "   after that (EAUG - at start); exits: after start-up (--stats counts preheat's faults apart)."
printf '  %-11s %8s %9s %10s %8s %10s %9s\n' program preheat at_start run_faults exits \
    model_Mcyc wall_ms
awk '{ run = $3 - $4
       printf "  %-11s %8s %9d %10d %8d %10d %9.1f\n", $1, $2, $4, run, $5, $6, $7
       if ($2 == "0") { base[$1] = run; next }
       note[++n] = sprintf("  %s: faults during the run %d -> %d with preheat %s (%.2fx)",
                           $1, base[$1], run, $2, (base[$1] > 0 ? run / base[$1] : 0)) }
     END { for (i = 1; i <= n; i++) print note[i] }' "$tmp/preheat_rows"

# ---- 3. Allocate-free churn: lazy free off and on ----------------------------------------
churn_iterations=20000
lazyfree=16M
printf '\n== sgx-sim allocate-free churn (edmm_churn %s: map 64 KiB, touch, unmap), lazy free off and %s ==\n' \
    "$churn_iterations" "$lazyfree"
printf '  %-14s %8s %10s %8s %10s %9s\n' lazy_free EMODT trim_exits exits model_Mcyc wall_ms
for lf in 0 "$lazyfree"; do
    ms=$(timed "$tmp/churn" $SGX --edmm=on --edmm-lazyfree="$lf" "$B/edmm_churn" \
        "$churn_iterations")
    f=$tmp/churn
    echo "$lf $(field "$f" 'EMODT \([0-9]*\)') $(field "$f" 'trim \([0-9]*\)')" \
        "$(field "$f" 'sgx-sim exits: \([0-9]*\)')" \
        "$(field "$f" 'modeled cost: \([0-9]*\) Mcycles') $ms"
done | awk '{ printf "  %-14s %8d %10d %8d %10d %9.1f\n", ($1 == "0" ? "off" : $1), $2, $3, $4, $5, $6
              t[NR] = $2; e[NR] = $4 }
     END { if (t[2] > 0 && e[2] > 0)
               printf "  with lazy free: %.0fx fewer EMODT (trims), %.0fx fewer exits (issue 6 asks >= 10x)\n",
                      t[1] / t[2], e[1] / e[2] }'

# ---- 4. Exits per request of the Go HTTP server ------------------------------------------
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null &&
            return 0
        sleep 0.1
    done
}
# serve STATS-FILE LOAD(0|1) launcher...: starts the server, loads it with wrk when LOAD is 1,
# stops it with SIGTERM (enclos prints --stats when the program dies of a signal as well) and
# prints wrk's request count and requests/s ("0 0" without load).
serve() {
    stats=$1
    load=$2
    shift 2
    port=$(free_port)
    "$@" "$B/go_http" "$port" 2> "$stats" &
    server=$!
    wait_port "$port"
    if [ "$load" = 1 ]; then
        wrk -t2 -c32 -d5s "http://127.0.0.1:$port/" 2>/dev/null |
            awk '/ requests in / { n = $1 } /Requests\/sec/ { r = $2 } END { print n + 0, r + 0 }'
    else
        echo "0 0"
    fi
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}
if [ -x "$B/go_http" ] && command -v wrk >/dev/null 2>&1; then
    set -- $(serve "$tmp/http_direct" 1 "$ENCLOS" run)
    direct_rps=$2
    serve "$tmp/http_idle" 0 $SGX --edmm=on > /dev/null
    set -- $(serve "$tmp/http_sgx" 1 $SGX --edmm=on)
    requests=$1
    sgx_rps=$2
    exits_line='sgx-sim exits: \([0-9]*\)'
    ocalls_line='sgx-sim exits: [0-9]* = \([0-9]*\) OCALLs'
    aex_line='memory exits + \([0-9]*\) asynchronous'
    model_line='modeled cost: \([0-9]*\) Mcycles'
    printf '\n== Go net/http hello server under sgx-sim --edmm=on, wrk -t2 -c32 -d5s on loopback ==\n'
    printf '%s\n' "   per request: (loaded run - a run that only starts and stops) / requests served"
    awk -v req="$requests" -v d="$direct_rps" -v s="$sgx_rps" \
        -v e1="$(field "$tmp/http_sgx" "$exits_line")" \
        -v e0="$(field "$tmp/http_idle" "$exits_line")" \
        -v o1="$(field "$tmp/http_sgx" "$ocalls_line")" \
        -v o0="$(field "$tmp/http_idle" "$ocalls_line")" \
        -v a1="$(field "$tmp/http_sgx" "$aex_line")" \
        -v a0="$(field "$tmp/http_idle" "$aex_line")" \
        -v m1="$(field "$tmp/http_sgx" "$model_line")" \
        -v m0="$(field "$tmp/http_idle" "$model_line")" 'BEGIN {
        printf "  requests/s: direct PAL %.0f, sgx-sim %.0f (%.2fx)\n", d, s, (d > 0 ? s / d : 0)
        printf "  start and stop alone: %d exits (%d OCALLs, %d asynchronous)\n", e0, o0, a0
        printf "  loaded run: %d requests, %d exits (%d OCALLs, %d asynchronous)\n", req, e1, o1, a1
        if (req <= 0)
            exit
        printf "  per request: %.2f exits, %.2f OCALLs, %.3f asynchronous exits\n",
               (e1 - e0) / req, (o1 - o0) / req, (a1 - a0) / req
        printf "  modeled SGX cost per request: %.0f kcycles (%.1f us at 3 GHz; a model, docs/sgx-cost-model.md)\n",
               (m1 - m0) * 1000 / req, (m1 - m0) / req / 3e-3 }'
    printf '  OCALLs of the loaded run by kind:\n'
    sed -n '/sgx-sim ocalls:/,/sgx-sim memory exits:/p' "$tmp/http_sgx" | sed '$d' |
        sed 's/^ *sgx-sim ocalls: *//; s/^ */    /'
else
    printf '\n== sgx-sim Go net/http benchmark skipped (needs go and wrk: apt-get install golang-go wrk) ==\n'
fi
