#!/usr/bin/env bash
# bench/tls.sh [BUILD_DIR] — TLS costs of trustcse, in one run on this machine: handshakes/s
# (TCP connect baseline; full handshakes with an ECDSA client certificate and with a PSK, TLS 1.3
# and 1.2; resumed handshakes with a session ticket) and keep-alive requests/s over TLS versus
# plain HTTP on the same server (retrieve `la`), with ratios. Builds nothing: BUILD_DIR (default
# "build") must contain src/trustcse and bench/tls_bench. Prints figures only.
# Environment: BENCH_DURATION (s per measurement, default 5), BENCH_WARMUP (default 1),
# BENCH_THREADS (client workers for handshakes, default 2).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
CSE=$BUILD/src/trustcse
TB=$BUILD/bench/tls_bench
DUR=${BENCH_DURATION:-5}
WARM=${BENCH_WARMUP:-1}
HT=${BENCH_THREADS:-2}
for b in "$CSE" "$TB"; do [[ -x $b ]] || { echo "tls.sh: $b not found; build it first" >&2; exit 2; }; done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trustcse-tls-bench.XXXXXX")
PID=
cleanup() { [[ -n $PID ]] && { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }; rm -rf "$TMP"; }
trap cleanup EXIT
cd "$TMP"
PSK=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
"$CSE" ca init --db "$TMP/db" --out ca.pem
"$CSE" credential add --db "$TMP/db" --psk-identity bench@trustcse.local --psk $PSK --id Cbench >/dev/null
"$CSE" ca issue --db "$TMP/db" --id Cbench --generate --key-out dev.key --out dev.crt 2>/dev/null
"$CSE" serve --db "$TMP/db" --dev --http-port 0 --tls-port 0 --log-level warn >out 2>log &
PID=$!
for _ in $(seq 100); do [[ $(grep -c '^listening' out 2>/dev/null) = 2 ]] && break; sleep 0.1; done
HTTP=$(awk '/^listening http / {print $3}' out)
HTTPS=$(awk '/^listening https/ {print $3}' out)
H=(-H 'X-M2M-RVI: 3' -H 'X-M2M-RI: b' -H 'X-M2M-Origin: Cbench')
curl -s -o /dev/null "${H[@]}" -H 'Content-Type: application/json;ty=2' \
  -d '{"m2m:ae":{"rn":"bench","api":"Nbench","rr":true,"srv":["3"]}}' "http://127.0.0.1:$HTTP/cse-in"
curl -s -o /dev/null "${H[@]}" -H 'Content-Type: application/json;ty=3' -d '{"m2m:cnt":{"rn":"data"}}' \
  "http://127.0.0.1:$HTTP/cse-in/bench"
curl -s -o /dev/null "${H[@]}" -H 'Content-Type: application/json;ty=4' -d '{"m2m:cin":{"con":"21.5"}}' \
  "http://127.0.0.1:$HTTP/cse-in/bench/data"

echo "== trustcse TLS benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); $(openssl version)"
echo "server: trustcse, 2 I/O threads, P-256 server certificate from the built-in CA; client: tls_bench (OpenSSL), same machine"
declare -A LINE
run() {  # run KEY ARGS…
  local key=$1; shift
  LINE[$key]=$("$TB" --port "$HTTPS" --duration "$DUR" --warmup "$WARM" --cafile ca.pem "$@")
  printf '  %-34s %s\n' "$key" "${LINE[$key]}"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
REQ=(--path /cse-in/bench/data/la --header 'X-M2M-Origin: Cbench' --header 'X-M2M-RI: r'
     --header 'X-M2M-RVI: 3')
CERT=(--cert dev.crt --key dev.key)
PSKA=(--psk-identity bench@trustcse.local --psk $PSK)
echo "== handshakes ($HT client threads, connect + handshake + close)"
run "tcp connect (baseline)" --mode tcp --threads "$HT"
run "full, ECDSA cert, TLS 1.3" --mode full --tls13 --threads "$HT" "${CERT[@]}"
run "full, ECDSA cert, TLS 1.2" --mode full --tls12 --threads "$HT" "${CERT[@]}"
run "full, PSK, TLS 1.3 (psk_dhe_ke)" --mode full --tls13 --threads "$HT" "${PSKA[@]}"
run "full, PSK, TLS 1.2 (ECDHE-PSK)" --mode full --tls12 --threads "$HT" "${PSKA[@]}"
run "full, PSK, TLS 1.2 (PSK only)" --mode full --tls12 --threads "$HT" "${PSKA[@]}" \
  --ciphers PSK-AES128-GCM-SHA256
run "resumed ticket, cert, TLS 1.3" --mode resume --tls13 --threads "$HT" "${CERT[@]}" "${REQ[@]}"
run "resumed ticket, cert, TLS 1.2" --mode resume --tls12 --threads "$HT" "${CERT[@]}" "${REQ[@]}"
echo "== keep-alive requests (GET la, one connection per client thread)"
for c in 1 16; do
  LINE["plain HTTP c=$c"]=$("$TB" --port "$HTTP" --plain --mode requests --threads $c \
    --duration "$DUR" --warmup "$WARM" "${REQ[@]}")
  printf '  %-34s %s\n' "plain HTTP c=$c" "${LINE[plain HTTP c=$c]}"
  run "TLS 1.3 PSK c=$c" --mode requests --tls13 --threads $c "${PSKA[@]}" "${REQ[@]}"
  run "TLS 1.3 cert c=$c" --mode requests --tls13 --threads $c "${CERT[@]}" "${REQ[@]}"
done
echo "== results (ratio: handshakes to the TCP connect baseline, requests to plain HTTP)"
printf '%-34s %10s %9s %9s %8s %7s\n' measurement rate p50_us p99_us ratio errors
base=$(field rate "${LINE[tcp connect (baseline)]}")
for k in "tcp connect (baseline)" "full, ECDSA cert, TLS 1.3" "full, ECDSA cert, TLS 1.2" \
         "full, PSK, TLS 1.3 (psk_dhe_ke)" "full, PSK, TLS 1.2 (ECDHE-PSK)" \
         "full, PSK, TLS 1.2 (PSK only)" \
         "resumed ticket, cert, TLS 1.3" "resumed ticket, cert, TLS 1.2" \
         "plain HTTP c=1" "TLS 1.3 PSK c=1" "TLS 1.3 cert c=1" \
         "plain HTTP c=16" "TLS 1.3 PSK c=16" "TLS 1.3 cert c=16"; do
  l=${LINE[$k]}
  case $k in *c=1) base=$(field rate "${LINE[plain HTTP c=1]}");; *c=16) base=$(field rate "${LINE[plain HTTP c=16]}");; esac
  printf '%-34s %10s %9s %9s %8s %7s\n' "$k" "$(field rate "$l")" "$(field p50_us "$l")" \
    "$(field p99_us "$l")" "$(awk -v a="$(field rate "$l")" -v b="$base" 'BEGIN{printf "%.2f", a/b}')" \
    "$(field errors "$l")"
done
echo "targets (DESIGN.md): PSK handshakes within 2x of the plain TCP connect cost (= ratio >= 0.5);"
echo "  ECDHE-PSK and psk_dhe_ke add an ephemeral key exchange (forward secrecy); 'PSK only' has none"
