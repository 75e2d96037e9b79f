#!/usr/bin/env bash
# bench/scale.sh [BUILD_DIR] — how trustcse behaves as the store grows (issue 15, item 3).
#
# One durable trustcse on a fresh database. Registers BENCH_AES devices (an AE Cdev<i> with a
# container /cse-in/dev<i>/data each), then fills BENCH_INSTANCES contentInstances in
# BENCH_STEPS equal steps, spread over the devices (instance k into device k mod AES). After
# every step it samples, closed loop at 64 connections for BENCH_DURATION seconds:
#   - create cin, spread (the fill's own shape) and into one hot container;
#   - retrieve an AE: always the same one (hot) and every AE in turn (spread: no cache helps);
#   - discovery of 10 AEs from the CSEBase (`?fu=1&ty=2&lim=10`: served from the type index);
#   - eviction (item 4): the hot container's mni is lowered to half its cni in one update (the
#     rate at which that update evicts), then creates into it held at that mni, so every create
#     evicts the oldest instance; the container grows from step to step, so a steady ratio to
#     "create hot" shows eviction costs O(evicted), not O(container);
#   - expiry (item 4): BENCH_EXPIRE instances (default 20000) are created into their own
#     container with one expirationTime a few seconds ahead; from that moment the reaper has a
#     backlog of all of them, and the time until the container is empty gives the rate at which
#     expired instances are deleted;
# and reports the fill rate, the server's RSS and the database and WAL sizes. At the end the
# server is stopped (SIGTERM) and started again on the full store, and the time until it
# listens is reported. Prints one table row per step (the curve of the closing note) and the
# ratio of the last row to the first. Figures only; it never fails on a slow result.
#
# Environment: BENCH_AES (default 1000000), BENCH_INSTANCES (default 10000000), BENCH_STEPS
# (default 10), BENCH_DURATION (s per sample, default 5), BENCH_WARMUP (s, default 1),
# BENCH_TMPDIR (the store needs ~1.5 GiB per million instances), BENCH_CSE (the binary),
# BENCH_CACHE_ENTRIES ([storage] cache_entries: parsed resources kept in memory; default 100000),
# BENCH_EXPIRE (instances per expiry sample, default 20000).
# The defaults take hours on 2 cores; BENCH_AES=20000 BENCH_INSTANCES=200000 is a quick look.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
AES=${BENCH_AES:-1000000}
INSTANCES=${BENCH_INSTANCES:-10000000}
STEPS=${BENCH_STEPS:-10}
DUR=${BENCH_DURATION:-5}
WARM=${BENCH_WARMUP:-1}
DTHREADS=1
EXPIRE=${BENCH_EXPIRE:-20000}
CSE=${BENCH_CSE:-$BUILD/src/trustcse}
LD=$BUILD/bench/load_driver
for b in "$CSE" "$LD"; do
  [[ -x $b ]] || { echo "scale.sh: $b not found; build it first:" >&2
    echo "  ninja -C $BUILD trustcse load_driver" >&2; exit 2; }
done

NAME=scale.sh
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

echo "== trustcse scale benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
header
echo "devices: $AES; instances: $INSTANCES in $STEPS steps; samples ${WARM}s + ${DUR}s at c=64;" \
     "resource cache: ${BENCH_CACHE_ENTRIES:-100000 (default)} entries"

mkdir -p "$TMP/cse"
CONF=()
if [[ -n ${BENCH_CACHE_ENTRIES:-} ]]; then  # the resource cache's size ([storage] cache_entries)
  printf '[storage]\ncache_entries = %s\n' "$BENCH_CACHE_ENTRIES" >"$TMP/cse.toml"
  CONF=(--config "$TMP/cse.toml")
fi
serve() { start cse "$CSE" serve "${CONF[@]}" --dev --http-port 0 --http-address 127.0.0.1 --db "$TMP/cse/cse.db"; }
serve
CSE_PID=$PID CSE_PORT=$PORT

echo "== devices"
echo "  AEs: $(setup "$CSE_PORT" 'Cdev{n}' "$AES" 64 /cse-in 2 \
  '{"m2m:ae":{"rn":"dev{n}","api":"Nscale","rr":false,"srv":["3"]}}')"
echo "  containers: $(setup "$CSE_PORT" 'Cdev{n}' "$AES" 64 '/cse-in/dev{n}' 3 \
  '{"m2m:cnt":{"rn":"data","mni":100000000}}')"
echo "  expiry sample's container: $(setup "$CSE_PORT" Cdev2 1 1 /cse-in/dev2 3 \
  '{"m2m:cnt":{"rn":"exp","mni":100000000}}')"

CIN='{"m2m:cin":{"con":"21.5","cnf":"text/plain:0"}}'
SPREAD=(--method POST --path "/cse-in/dev{n%$AES}/data" --header "X-M2M-Origin: Cdev{n%$AES}"
        --header 'Content-Type: application/json;ty=4' --body "$CIN")
HOT=(--method POST --path /cse-in/dev0/data --header 'X-M2M-Origin: Cdev0'
     --header 'Content-Type: application/json;ty=4' --body "$CIN")
GET_HOT=(--path /cse-in/dev1 --header 'X-M2M-Origin: Cdev1')
GET_SPREAD=(--path "/cse-in/dev{n%$AES}" --header "X-M2M-Origin: Cdev{n%$AES}")
DISC=(--path '/cse-in?fu=1&ty=2&lim=10' --header 'X-M2M-Origin: CAdmin')

# cse METHOD PATH ORIGIN [BODY] — one request with curl; prints the response body.
cse() {
  local args=(-s --max-time 1800 -X "$1" "http://127.0.0.1:$CSE_PORT$2" -H "X-M2M-Origin: $3"
              -H 'X-M2M-RI: scale' -H 'X-M2M-RVI: 3' -H 'Accept: application/json')
  [[ -n ${4:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
  curl "${args[@]}"
}
cni_of() { cse GET "$1" "$2" | sed -n 's/.*"cni":\([0-9]*\).*/\1/p'; }
now_s() { date +%s.%N; }

# Lowers the hot container's mni to half its cni (BULK_RPS: instances evicted per second of that
# update), then creates into it at that mni (EVICT_RPS; each create evicts one). Sets HOT_CNI.
evict_sample() {
  local before t0 t1
  before=$(cni_of /cse-in/dev0/data Cdev0)
  HOT_CNI=$((before / 2))
  t0=$(now_s)
  cse PUT /cse-in/dev0/data Cdev0 "{\"m2m:cnt\":{\"mni\":$HOT_CNI}}" >/dev/null
  t1=$(now_s)
  BULK_RPS=$(awk -v n=$((before - HOT_CNI)) -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')
  measure "create evicting" "$CSE_PID" "$CSE_PORT" 64 "${HOT[@]}" >/dev/null
  EVICT_RPS=$(field rps "${LINE[create evicting|64]}")
  local after; after=$(cni_of /cse-in/dev0/data Cdev0)
  [[ $after == "$HOT_CNI" ]] || echo "  (evicting: cni went from $HOT_CNI to $after)" >&2
  cse PUT /cse-in/dev0/data Cdev0 '{"m2m:cnt":{"mni":100000000}}' >/dev/null
}

# EXPIRE instances with one et, ahead by enough for their creation; then the time from that
# et until the reaper has emptied the container. Sets EXPIRE_RPS (expired instances deleted/s).
expire_sample() {
  local ahead=$((3 + EXPIRE / 2000)) at et t0 t1 n=1
  at=$(( $(date +%s) + ahead ))
  et=$(date -u -d "@$at" +%Y%m%dT%H%M%S)
  setup "$CSE_PORT" Cdev2 "$EXPIRE" 64 /cse-in/dev2/exp 4 \
    "{\"m2m:cin\":{\"con\":\"21.5\",\"cnf\":\"text/plain:0\",\"et\":\"$et\"}}" >/dev/null
  t0=$(now_s)
  if awk -v a="$at" -v b="$t0" 'BEGIN {exit !(b > a)}'; then
    echo "  (expiry: the creation outlasted the et; the rate below is too high)" >&2
  fi
  while awk -v a="$at" -v b="$(now_s)" 'BEGIN {exit !(b < a)}'; do sleep 0.05; done
  t0=$(now_s)
  for _ in $(seq 1 6000); do  # up to 10 minutes
    n=$(cni_of /cse-in/dev2/exp Cdev2); [[ ${n:-1} == 0 ]] && break
    sleep 0.1
  done
  t1=$(now_s)
  EXPIRE_RPS=$(awk -v k="$EXPIRE" -v a="$t0" -v b="$t1" -v n="$n" \
    'BEGIN {if (n != 0) print "-"; else printf "%.0f", k / (b - a)}')
}

rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
size_mib() { local f=$1; [[ -f $f ]] && du -m "$f" | cut -f1 || echo 0; }

ROWS=()
per_step=$((INSTANCES / STEPS))
filled=0
for s in $(seq "$STEPS"); do
  # Each instance is written by its own device (setup's originator is one fixed name).
  out=$("$LD" --port "$CSE_PORT" --connections 64 --requests "$per_step" --start "$filled" \
          --threads "$DTHREADS" "${HDR[@]}" "${SPREAD[@]}")
  filled=$((filled + per_step))
  fill_rps=$(field rps "$out")
  measure "create spread" "$CSE_PID" "$CSE_PORT" 64 "${SPREAD[@]}" >/dev/null
  measure "create hot" "$CSE_PID" "$CSE_PORT" 64 "${HOT[@]}" >/dev/null
  measure "retrieve AE hot" "$CSE_PID" "$CSE_PORT" 64 "${GET_HOT[@]}" >/dev/null
  measure "retrieve AE spread" "$CSE_PID" "$CSE_PORT" 64 "${GET_SPREAD[@]}" >/dev/null
  measure "discovery ty=2 lim=10" "$CSE_PID" "$CSE_PORT" 64 "${DISC[@]}" >/dev/null
  evict_sample
  expire_sample
  row=$(printf '%10s %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %9s %9s %9.0f %9s %7s %7s %7s' \
    "$filled" "$fill_rps" "$(field rps "${LINE[create spread|64]}")" \
    "$(field rps "${LINE[create hot|64]}")" "$(field rps "${LINE[retrieve AE hot|64]}")" \
    "$(field rps "${LINE[retrieve AE spread|64]}")" "$(field rps "${LINE[discovery ty=2 lim=10|64]}")" \
    "$HOT_CNI" "$BULK_RPS" "$EVICT_RPS" "$EXPIRE_RPS" \
    "$(rss_mib "$CSE_PID")" "$(size_mib "$TMP/cse/cse.db")" "$(size_mib "$TMP/cse/cse.db-wal")")
  ROWS+=("$row")
  echo "  step $s: $row"
done

echo "== restart on the full store"
kill "$CSE_PID"
for _ in $(seq 1 300); do kill -0 "$CSE_PID" 2>/dev/null || break; sleep 0.1; done
t0=$(date +%s.%N)
serve
t1=$(date +%s.%N)
restart=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
echo "  stopped, started again: listening after ${restart}s (the script polls every 50 ms)"

echo "== results (rps at c=64; RSS, db and WAL in MiB)"
printf '%10s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %7s %7s %7s\n' instances fill create_sp \
  create_hot get_hot get_spread disc_ty2 hot_cni mni_evict create_ev expire rss db wal
for r in "${ROWS[@]}"; do echo "$r"; done
awk -v first="${ROWS[0]}" -v last="${ROWS[-1]}" -v expire="$EXPIRE" 'BEGIN {
  split(first, a); split(last, b)
  printf "last / first: create spread %.0f%%, create hot %.0f%%, retrieve hot %.0f%%, retrieve spread %.0f%%, discovery %.0f%%\n",
    100 * b[3] / a[3], 100 * b[4] / a[4], 100 * b[5] / a[5], 100 * b[6] / a[6], 100 * b[7] / a[7]
  printf "retrieve spread / hot at the end: %.0f%% (issue 15: within 20%%)\n", 100 * b[6] / b[5]
  printf "create evicting / create hot: %.0f%% with %d instances in the container, %.0f%% with %d\n",
    100 * a[10] / a[4], a[8], 100 * b[10] / b[4], b[8]
  printf "evicted by lowering mni to half: %s/s first, %s/s last\n", a[9], b[9]
  printf "expired instances deleted: %s/s first, %s/s last (%d per sample)\n", a[11], b[11], expire }'
echo "per resource at the end: $(awk -v r="$(awk '{print $12}' <<<"${ROWS[-1]}")" \
  -v n="$((INSTANCES + 2 * AES))" 'BEGIN {printf "%.0f", r * 1048576 / n}') bytes of RSS at the last step, $(awk -v d="$(size_mib "$TMP/cse/cse.db")" \
  -v n="$((INSTANCES + 2 * AES))" 'BEGIN {printf "%.0f", d * 1048576 / n}') bytes of database"
echo "restart: ${restart}s (issue 15: under a second)"
