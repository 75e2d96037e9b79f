#!/usr/bin/env bash
# bench/ab.sh BIN_A BIN_B [ROUNDS] — two trustcse binaries (say, the last landing and the work
# tree) measured alternately in one sitting: durable create contentInstance and retrieve `la`,
# 64 connections each, A then B in every round, so that a machine that slows down or speeds up
# during the sitting weighs on both alike (one bench/run.sh after another is too noisy here for
# a few per cent). Prints each run and the mean of each side with B's ratio to A. Builds
# nothing; uses build/bench/load_driver (BENCH_LD to override). Figures only, never fails on
# a slow result.
#
# Environment: BENCH_DURATION (s per run, default 4), BENCH_WARMUP (s, default 1),
# BENCH_CONNECTIONS (default 64).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
A=${1:?usage: bench/ab.sh BIN_A BIN_B [ROUNDS]}
B=${2:?usage: bench/ab.sh BIN_A BIN_B [ROUNDS]}
ROUNDS=${3:-3}
LD=${BENCH_LD:-$ROOT/build/bench/load_driver}
DUR=${BENCH_DURATION:-4}
WARM=${BENCH_WARMUP:-1}
CONNS=${BENCH_CONNECTIONS:-64}
for b in "$A" "$B" "$LD"; do [[ -x $b ]] || { echo "ab.sh: $b not found" >&2; exit 2; }; done
H=(--header 'X-M2M-RVI: 3' --header 'X-M2M-RI: b{n}' --header 'X-M2M-Origin: Cbench')
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trustcse-ab.XXXXXX")
PID=
trap '[[ -n $PID ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

# run BIN SCENARIO — one fresh durable server, one measurement; prints rps.
run() {
  local dir port out
  dir=$(mktemp -d "$TMP/run.XXXX")
  : >"$dir/out"
  "$1" serve --dev --http-port 0 --db "$dir/db" >"$dir/out" 2>"$dir/log" &
  PID=$!
  for _ in $(seq 100); do grep -q '^listening http ' "$dir/out" && break; sleep 0.1; done
  port=$(awk '/^listening http / {print $3}' "$dir/out")
  "$LD" --port "$port" --requests 1 "${H[@]}" --method POST --path /cse-in \
    --header 'Content-Type: application/json;ty=2' \
    --body '{"m2m:ae":{"rn":"bench","api":"Nb","rr":true,"srv":["3"]}}' >/dev/null
  "$LD" --port "$port" --requests 1 "${H[@]}" --method POST --path /cse-in/bench \
    --header 'Content-Type: application/json;ty=3' --body '{"m2m:cnt":{"rn":"data","mni":100000000}}' >/dev/null
  "$LD" --port "$port" --requests 1 "${H[@]}" --method POST --path /cse-in/bench/data \
    --header 'Content-Type: application/json;ty=4' --body '{"m2m:cin":{"con":"1"}}' >/dev/null
  if [[ $2 = create ]]; then
    out=$("$LD" --port "$port" --connections "$CONNS" --duration "$DUR" --warmup "$WARM" "${H[@]}" \
      --method POST --path /cse-in/bench/data --header 'Content-Type: application/json;ty=4' \
      --body '{"m2m:cin":{"con":"21.5"}}')
  else
    out=$("$LD" --port "$port" --connections "$CONNS" --duration "$DUR" --warmup "$WARM" "${H[@]}" \
      --path /cse-in/bench/data/la)
  fi
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
  rm -rf "$dir"
  echo "$out" | grep -o 'rps=[0-9.]*' | cut -d= -f2
}

echo "== trustcse A/B — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, ${DUR}s + ${WARM}s warm-up, c=$CONNS"
echo "A: $A"
echo "B: $B"
for scenario in create retrieve; do
  sa=0 sb=0
  for r in $(seq "$ROUNDS"); do
    a=$(run "$A" "$scenario"); b=$(run "$B" "$scenario")
    printf '  %-8s round %d: A %9.0f/s  B %9.0f/s\n' "$scenario" "$r" "$a" "$b"
    sa=$(awk -v x="$sa" -v y="$a" 'BEGIN {print x + y}')
    sb=$(awk -v x="$sb" -v y="$b" 'BEGIN {print x + y}')
  done
  awk -v s="$scenario" -v a="$sa" -v b="$sb" -v n="$ROUNDS" \
    'BEGIN {printf "%-8s mean: A %.0f/s  B %.0f/s  B/A %.3f\n", s, a / n, b / n, b / a}'
done
