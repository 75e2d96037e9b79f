#!/usr/bin/env bash
# bench/authz.sh [BUILD_DIR] — what authorization costs end to end: requests/s of retrieving a
# container's latest instance as the admin originator (authorization bypassed) versus as an AE
# granted by an ACP (compiled rules: one rule with a time window and address ranges, plus nine
# others), at 1 and 64 connections. Prints figures and the ratio; never fails on a slow result.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
DUR=${BENCH_DURATION:-6}
CSE=$BUILD/src/trustcse
LD=$BUILD/bench/load_driver
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trustcse-authz.XXXXXX")
PID=""
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
"$CSE" serve --dev --http-port 0 --db "$TMP/db" --log-level warn >"$TMP/out" 2>"$TMP/log" &
PID=$!
for _ in $(seq 100); do grep -q '^listening http' "$TMP/out" 2>/dev/null && break; sleep 0.1; done
PORT=$(awk '/^listening http/ {print $3}' "$TMP/out")
[[ -n $PORT ]] || { echo "trustcse did not start"; cat "$TMP/log"; exit 1; }
req() {  # req ORIGIN METHOD PATH [TY BODY]
  local args=(-s -o /dev/null -w '%{http_code}' -X "$2" -H "X-M2M-Origin: $1" -H 'X-M2M-RI: b'
              -H 'X-M2M-RVI: 3')
  [[ $# -ge 5 ]] && args+=(-H "Content-Type: application/json;ty=$4" --data-binary "$5")
  curl "${args[@]}" "http://127.0.0.1:$PORT$3"
}
rules='{"acor":["Creader"],"acop":2,"acco":[{"actw":["* * * * * * *"],"acip":{"ipv4":["10.0.0.0/8","127.0.0.0/8"]}}]}'
for i in $(seq 1 9); do rules="{\"acor\":[\"Cother$i\",\"Cteam-*\"],\"acop\":3},$rules"; done
req Cowner POST /cse-in 2 '{"m2m:ae":{"rn":"owner","api":"Nb","rr":true,"srv":["3"]}}' >/dev/null
req Creader POST /cse-in 2 '{"m2m:ae":{"rn":"reader","api":"Nb","rr":true,"srv":["3"]}}' >/dev/null
req Cowner POST /cse-in/owner 1 "{\"m2m:acp\":{\"rn\":\"acp\",\"pv\":{\"acr\":[$rules]},\"pvs\":{\"acr\":[{\"acor\":[\"Cowner\"],\"acop\":63}]}}}" >/dev/null
req Cowner POST /cse-in/owner 3 '{"m2m:cnt":{"rn":"data","acpi":["cse-in/owner/acp"]}}' >/dev/null
req CAdmin POST /cse-in/owner/data 4 '{"m2m:cin":{"con":"21.5"}}' >/dev/null
[[ $(req Creader GET /cse-in/owner/data/la) = 200 ]] || { echo "setup failed"; exit 1; }
echo "scenario                         conns        rps    p50_us    p99_us   ratio"
for c in 1 64; do
  admin=$("$LD" --port "$PORT" --connections "$c" --duration "$DUR" --warmup 1 \
    --path /cse-in/owner/data/la --header 'X-M2M-Origin: CAdmin' --header 'X-M2M-RI: 1' \
    --header 'X-M2M-RVI: 3')
  acp=$("$LD" --port "$PORT" --connections "$c" --duration "$DUR" --warmup 1 \
    --path /cse-in/owner/data/la --header 'X-M2M-Origin: Creader' --header 'X-M2M-RI: 1' \
    --header 'X-M2M-RVI: 3')
  get() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
  a=$(get rps "$admin"); b=$(get rps "$acp")
  printf "%-32s %5d %10.0f %9s %9s %7s\n" "retrieve la, admin (no checks)" "$c" "$a" \
    "$(get p50_us "$admin")" "$(get p99_us "$admin")" "100%"
  printf "%-32s %5d %10.0f %9s %9s %6.1f%%\n" "retrieve la, ACP (10 rules)" "$c" "$b" \
    "$(get p50_us "$acp")" "$(get p99_us "$acp")" "$(awk -v a="$a" -v b="$b" 'BEGIN{print 100*b/a}')"
done
