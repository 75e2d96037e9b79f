#!/usr/bin/env bash
# bench/run.sh [BUILD_DIR] — the trustcse HTTP benchmark, in one run on this machine.
#
# Starts a bare Beast "200 OK" server (the ceiling) and trustcse on a fresh database in a temp
# dir (durable: every acknowledged create is fsync'd), loads a data set with load_driver, then
# measures (a) create contentInstance, (b) retrieve `la`, (c) discovery by label over 100,000
# resources, each at 1 and 64 connections, plus the ceiling, and prints a table with the ratio
# of each figure to the ceiling at the same connection count. Builds nothing: BUILD_DIR (default
# "build", relative to the repository root) must contain src/trustcse, bench/load_driver and
# bench/ceiling_server. Prints figures only; it never fails on a slow result.
#
# Environment: BENCH_DURATION (s per measurement, default 10), BENCH_WARMUP (s, default 2),
# BENCH_CORPUS (resources for (c), default 100000), BENCH_TMPDIR (where the temp dir goes),
# BENCH_DRIVER_THREADS (load_driver threads, default 1).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
DUR=${BENCH_DURATION:-10}
WARM=${BENCH_WARMUP:-2}
CORPUS=${BENCH_CORPUS:-100000}
DTHREADS=${BENCH_DRIVER_THREADS:-1}
HITS=100        # resources in the corpus that carry the searched label
CONTAINERS=100  # the corpus's contentInstances are spread over this many containers

CSE=$BUILD/src/trustcse
LD=$BUILD/bench/load_driver
CEIL=$BUILD/bench/ceiling_server
for b in "$CSE" "$LD" "$CEIL"; do
  [[ -x $b ]] || { echo "run.sh: $b not found; build it first:" >&2
    echo "  ninja -C $BUILD trustcse load_driver ceiling_server" >&2; exit 2; }
done

NAME=run.sh
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

echo "== trustcse HTTP benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
header
echo "each measurement: ${WARM}s warm-up + ${DUR}s recorded, closed loop, load_driver threads=$DTHREADS, loopback"

mkdir -p "$TMP/cse" "$TMP/nofsync"  # one directory per instance (its store, keys, admin socket)
start ceiling "$CEIL" --port 0 --threads 2
CEIL_PID=$PID CEIL_PORT=$PORT
start cse "$CSE" serve --dev --http-port 0 --http-address 127.0.0.1 --db "$TMP/cse/cse.db"
CSE_PID=$PID CSE_PORT=$PORT
start cse_nofsync "$CSE" serve --dev --http-port 0 --http-address 127.0.0.1 --db "$TMP/nofsync/nofsync.db" --no-fsync
NF_PID=$PID NF_PORT=$PORT
echo "servers: ceiling pid $CEIL_PID port $CEIL_PORT; trustcse (durable) pid $CSE_PID port $CSE_PORT;" \
     "trustcse --no-fsync pid $NF_PID port $NF_PORT (2 HTTP threads each)"

echo "== data set"
for p in "$CSE_PORT" "$NF_PORT"; do
  setup "$p" Cbench 1 1 /cse-in 2 '{"m2m:ae":{"rn":"bench","api":"Nbench","rr":true,"srv":["3"]}}' >/dev/null
  setup "$p" Cbench 1 1 /cse-in/bench 3 '{"m2m:cnt":{"rn":"data","mni":100000000}}' >/dev/null
  setup "$p" Cbench 5 1 /cse-in/bench/data 4 '{"m2m:cin":{"con":"21.{n}","cnf":"text/plain:0"}}' >/dev/null
done
echo "  (a)/(b): AE /cse-in/bench (Cbench) > container data (mni 1e8) with 5 contentInstances"
setup "$CSE_PORT" Ccorpus 1 1 /cse-in 2 '{"m2m:ae":{"rn":"corpus","api":"Ncorpus","rr":true,"srv":["3"]}}' >/dev/null
setup "$CSE_PORT" Ccorpus "$CONTAINERS" 8 /cse-in/corpus 3 '{"m2m:cnt":{"rn":"c{n}","mni":100000000}}' >/dev/null
OTHER=$((CORPUS - HITS))
out=$(setup "$CSE_PORT" Ccorpus "$OTHER" 64 "/cse-in/corpus/c{n%$CONTAINERS}" 4 \
  '{"m2m:cin":{"con":"v{n}","cnf":"text/plain:0","lbl":["tag:other","seq:{n}"]}}' "$HITS")
echo "  (c) corpus load, $OTHER durable creates at 64 connections: $out"
setup "$CSE_PORT" Ccorpus "$HITS" 8 "/cse-in/corpus/c{n%$CONTAINERS}" 4 \
  '{"m2m:cin":{"con":"hit{n}","cnf":"text/plain:0","lbl":["tag:x","seq:{n}"]}}' 0 >/dev/null
"$LD" --port "$CSE_PORT" --requests 1 "${HDR[@]}" --header 'X-M2M-Origin: CAdmin' \
  --path '/cse-in?fu=1&lbl=tag:x' --dump-body "$TMP/disc.json" >/dev/null
FOUND=$(( $(grep -o '"[^"]*"' "$TMP/disc.json" | grep -vc '^"m2m:uril"$' || true) ))
echo "  (c): AE /cse-in/corpus > $CONTAINERS containers > $CORPUS contentInstances (labels" \
     "[tag:other, seq:N]); $HITS of them carry tag:x; discovery /cse-in?fu=1&lbl=tag:x returns $FOUND URIs"
echo "  database after load: $(du -ch "$TMP"/cse/cse.db* | tail -1 | cut -f1) (cse.db + WAL)"

echo "== measurements"
GET_LA=(--path /cse-in/bench/data/la --header 'X-M2M-Origin: Cbench')
DISC=(--path '/cse-in?fu=1&lbl=tag:x' --header 'X-M2M-Origin: CAdmin')
LIST=(--path '/cse-in/corpus/c7?fu=1&ty=4&lim=100' --header 'X-M2M-Origin: Ccorpus')
CREATE=(--method POST --path /cse-in/bench/data --header 'X-M2M-Origin: Cbench'
        --header 'Content-Type: application/json;ty=4'
        --body '{"m2m:cin":{"con":"21.5","cnf":"text/plain:0"}}')
for c in 1 64; do
  measure "ceiling 200 OK" "$CEIL_PID" "$CEIL_PORT" $c "${GET_LA[@]}"
  measure "(b) retrieve la" "$CSE_PID" "$CSE_PORT" $c "${GET_LA[@]}"
  measure "(c) discovery lbl, $CORPUS" "$CSE_PID" "$CSE_PORT" $c "${DISC[@]}"
  measure "(d) 100 cin of c7, owner AE" "$CSE_PID" "$CSE_PORT" $c "${LIST[@]}"
done
for c in 1 64; do
  measure "(a) create cin, durable" "$CSE_PID" "$CSE_PORT" $c "${CREATE[@]}"
done
for c in 1 64; do
  measure "(a') create cin, --no-fsync" "$NF_PID" "$NF_PORT" $c "${CREATE[@]}"
done

echo "== results (ratio = rps / ceiling rps at the same connection count;" \
     "srv CPU = trustcse or ceiling process CPU µs per request, all threads)"
printf '%-28s %5s %10s %9s %9s %8s %7s %8s\n' scenario conns rps p50_us p99_us ratio errors srv_CPU
for key in "ceiling 200 OK" "(a) create cin, durable" "(a') create cin, --no-fsync" \
           "(b) retrieve la" "(c) discovery lbl, $CORPUS" "(d) 100 cin of c7, owner AE"; do
  for c in 1 64; do
    l=${LINE[$key|$c]:-}
    [[ -n $l ]] || continue
    ceil=$(field rps "${LINE[ceiling 200 OK|$c]}")
    rps=$(field rps "$l")
    ratio=$(awk -v a="$rps" -v b="$ceil" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "-" }')
    errs=$(( $(field errors "$l") + $(field io_errors "$l") ))
    printf '%-28s %5s %10.0f %9s %9s %8s %7s %8s\n' "$key" "$c" "$rps" "$(field p50_us "$l")" \
      "$(field p99_us "$l")" "$ratio" "$errs" "${CPU[$key|$c]}"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "targets (DESIGN.md; reported, not enforced): (b) >= 60% of the ceiling;" \
     "(a) durable >= 20,000 creates/s on 2 cores"
echo "data set: $CORPUS-resource corpus + AE/container for (a)/(b); after the run the durable" \
     "database holds $(du -ch "$TMP"/cse/cse.db* | tail -1 | cut -f1) on $(findmnt -n -o FSTYPE -T "$TMP" 2>/dev/null || echo '?')"
if grep -qiE '\b(error|critical)\b' "$TMP/cse.log" "$TMP/cse_nofsync.log"; then
  echo "trustcse logged errors:"; grep -hiE '\b(error|critical)\b' "$TMP/cse.log" "$TMP/cse_nofsync.log" | head -5
fi
