#!/usr/bin/env bash
# bench/fleet.sh [BUILD_DIR] — storage at fleet shape, in one run on this machine.
#
# A fleet is many devices, each writing its own container. This starts the ceiling server and
# trustcse on a fresh durable database, registers N devices (an AE Cdev<i> with a container
# /cse-in/dev<i>/data each) and measures, at 64 connections:
#   - the ceiling: a bare Beast "200 OK" (bench/ceiling_server), the most the HTTP stack gives;
#   - create cin, ONE container: every request into /cse-in/dev0/data as Cdev0;
#   - create cin, SPREAD: request k into /cse-in/dev<k mod N>/data as Cdev<k mod N>, so every
#     container is written in turn — the shape of a fleet;
#   - retrieve la, SPREAD: GET /cse-in/dev<k mod N>/data/la;
# alternately, ROUNDS times (a drift of the machine weighs on both sides), then the tail
# latency at half of the peak each scenario reached: open loop (load_driver --rate), latency
# counted from the scheduled send, p50/p99/p999. Prints the ratios issue 15 asks for: spread /
# one container and one container / ceiling. Figures only; it never fails on a slow result.
#
# Environment: BENCH_DEVICES (N, default 10000), BENCH_ROUNDS (default 2), BENCH_DURATION (s per
# measurement, default 8), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 64),
# BENCH_TMPDIR, BENCH_DRIVER_THREADS (default 1), BENCH_PIN ("SERVER_CPUS:DRIVER_CPUS", e.g.
# "0:1", taskset lists; default none — on 2 cores pinning halves the server), BENCH_CSE (the
# trustcse binary, default BUILD_DIR/src/trustcse: for A/B runs of two builds).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
DEVICES=${BENCH_DEVICES:-10000}
ROUNDS=${BENCH_ROUNDS:-2}
DUR=${BENCH_DURATION:-8}
WARM=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-64}
DTHREADS=${BENCH_DRIVER_THREADS:-1}
CSE=${BENCH_CSE:-$BUILD/src/trustcse}
LD=$BUILD/bench/load_driver
CEIL=$BUILD/bench/ceiling_server
for b in "$CSE" "$LD" "$CEIL"; do
  [[ -x $b ]] || { echo "fleet.sh: $b not found; build it first:" >&2
    echo "  ninja -C $BUILD trustcse load_driver ceiling_server" >&2; exit 2; }
done
SRV_PIN=() DRV_PIN=()
if [[ -n ${BENCH_PIN:-} ]]; then
  SRV_PIN=(taskset -c "${BENCH_PIN%%:*}") DRV_PIN=(taskset -c "${BENCH_PIN##*:}")
fi

NAME=fleet.sh
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
if ((${#DRV_PIN[@]})); then  # lib.sh runs "$LD": a wrapper that pins it
  printf '#!/bin/sh\nexec %s %s "$@"\n' "${DRV_PIN[*]}" "$LD" >"$TMP/ld"; chmod +x "$TMP/ld"; LD=$TMP/ld
fi

echo "== trustcse fleet-shape storage benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
header
echo "devices: $DEVICES; each measurement ${WARM}s warm-up + ${DUR}s recorded; c=$CONNS;" \
     "rounds: $ROUNDS; pinning: ${BENCH_PIN:-none}"

mkdir -p "$TMP/cse"
start ceiling "${SRV_PIN[@]}" "$CEIL" --port 0 --threads 2
CEIL_PID=$PID CEIL_PORT=$PORT
start cse "${SRV_PIN[@]}" "$CSE" serve --dev --http-port 0 --http-address 127.0.0.1 --db "$TMP/cse/cse.db"
CSE_PID=$PID CSE_PORT=$PORT

echo "== devices"
out=$(setup "$CSE_PORT" 'Cdev{n}' "$DEVICES" 64 /cse-in 2 \
  '{"m2m:ae":{"rn":"dev{n}","api":"Nfleet","rr":false,"srv":["3"]}}')
echo "  $DEVICES AEs: $out"
out=$(setup "$CSE_PORT" 'Cdev{n}' "$DEVICES" 64 '/cse-in/dev{n}' 3 \
  '{"m2m:cnt":{"rn":"data","mni":100000000}}')
echo "  $DEVICES containers: $out"
out=$(setup "$CSE_PORT" 'Cdev{n}' "$DEVICES" 64 '/cse-in/dev{n}/data' 4 \
  '{"m2m:cin":{"con":"20.0","cnf":"text/plain:0"}}')
echo "  one contentInstance each: $out"

CIN=(--header 'Content-Type: application/json;ty=4' --body '{"m2m:cin":{"con":"21.5","cnf":"text/plain:0"}}')
ONE=(--method POST --path /cse-in/dev0/data --header 'X-M2M-Origin: Cdev0' "${CIN[@]}")
SPREAD=(--method POST --path "/cse-in/dev{n%$DEVICES}/data" --header "X-M2M-Origin: Cdev{n%$DEVICES}" "${CIN[@]}")
GET=(--path "/cse-in/dev{n%$DEVICES}/data/la" --header "X-M2M-Origin: Cdev{n%$DEVICES}")

echo "== closed loop, c=$CONNS"
declare -A SUM
add() { SUM[$1]=$(awk -v a="${SUM[$1]:-0}" -v b="$(field rps "${LINE[$1|$CONNS]}")" 'BEGIN {print a + b}'); }
for r in $(seq "$ROUNDS"); do
  measure "ceiling 200 OK" "$CEIL_PID" "$CEIL_PORT" "$CONNS" --path /cse-in/dev0/data/la; add "ceiling 200 OK"
  measure "create cin, one container" "$CSE_PID" "$CSE_PORT" "$CONNS" "${ONE[@]}"; add "create cin, one container"
  measure "create cin, spread over $DEVICES" "$CSE_PID" "$CSE_PORT" "$CONNS" "${SPREAD[@]}"; add "create cin, spread over $DEVICES"
  measure "retrieve la, spread" "$CSE_PID" "$CSE_PORT" "$CONNS" "${GET[@]}"; add "retrieve la, spread"
done
mean() { awk -v s="${SUM[$1]}" -v n="$ROUNDS" 'BEGIN {printf "%.0f", s / n}'; }
CEIL_RPS=$(mean "ceiling 200 OK")
ONE_RPS=$(mean "create cin, one container")
SPREAD_RPS=$(mean "create cin, spread over $DEVICES")
GET_RPS=$(mean "retrieve la, spread")

echo "== open loop at half of the peak, c=$CONNS (latency from the scheduled send)"
CREATE_RATE=$((SPREAD_RPS / 2)) GET_RATE=$((GET_RPS / 2))
measure "create cin, spread, @$CREATE_RATE/s" "$CSE_PID" "$CSE_PORT" "$CONNS" --rate "$CREATE_RATE" "${SPREAD[@]}"
measure "retrieve la, spread, @$GET_RATE/s" "$CSE_PID" "$CSE_PORT" "$CONNS" --rate "$GET_RATE" "${GET[@]}"

echo "== results (means of $ROUNDS rounds; srv CPU: µs of server CPU per request, last round)"
printf '%-36s %9s %8s\n' scenario rps srv_CPU
for k in "ceiling 200 OK" "create cin, one container" "create cin, spread over $DEVICES" "retrieve la, spread"; do
  printf '%-36s %9s %8s\n' "$k" "$(mean "$k")" "${CPU[$k|$CONNS]}"
done
awk -v s="$SPREAD_RPS" -v o="$ONE_RPS" -v c="$CEIL_RPS" 'BEGIN {
  printf "spread / one container: %.1f%%   (issue 15 target >= 80%%)\n", 100 * s / o
  printf "one container / ceiling: %.1f%%   (issue 15 target >= 40%%)\n", 100 * o / c }'
printf '%-36s %9s %9s %9s %9s %7s\n' "open loop" rps p50_us p99_us p999_us errors
for k in "create cin, spread, @$CREATE_RATE/s" "retrieve la, spread, @$GET_RATE/s"; do
  l=${LINE[$k|$CONNS]}
  printf '%-36s %9.0f %9s %9s %9s %7s\n' "$k" "$(field rps "$l")" "$(field p50_us "$l")" \
    "$(field p99_us "$l")" "$(field p999_us "$l")" $(( $(field errors "$l") + $(field io_errors "$l") ))
done
echo "targets (issue 15): p99 <= 10000 us for durable create, <= 5000 us for retrieve at half of peak"
echo "database after the run: $(du -ch "$TMP"/cse/cse.db* | tail -1 | cut -f1) (cse.db + WAL);" \
     "server RSS $(awk '/VmRSS/ {print $2 " " $3}' "/proc/$CSE_PID/status")"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
if grep -qiE '\b(error|critical)\b' "$TMP/cse.log"; then
  echo "trustcse logged errors:"; grep -hiE '\b(error|critical)\b' "$TMP/cse.log" | head -5
fi
