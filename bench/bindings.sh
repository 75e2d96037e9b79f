#!/usr/bin/env bash
# bench/bindings.sh [BUILD_DIR] — requests/s over CoAP (plain and DTLS with a PSK) and MQTT
# (through a mosquitto broker started here) versus HTTP, on one trustcse, in one run: create a
# contentInstance and retrieve `la`, at 1 and 16 requests in flight. Builds nothing: BUILD_DIR
# (default "build") must contain src/trustcse, bench/load_driver and bench/binding_bench.
# Environment: BENCH_DURATION (s, default 5), BENCH_WARMUP (s, default 1). Prints figures only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
CSE=$BUILD/src/trustcse LD=$BUILD/bench/load_driver BB=$BUILD/bench/binding_bench
DUR=${BENCH_DURATION:-5} WARM=${BENCH_WARMUP:-1}
for b in "$CSE" "$LD" "$BB"; do [[ -x $b ]] || { echo "bindings.sh: $b not found" >&2; exit 2; }; done
command -v mosquitto >/dev/null || { echo "bindings.sh: mosquitto is not installed" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trustcse-bindings.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT
cd "$TMP"
MQTT_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
touch passwd && chmod 600 passwd
mosquitto_passwd -b passwd id-in csepass && mosquitto_passwd -b passwd Cbench benchpass
printf 'user id-in\ntopic read /oneM2M/req/+/id-in/+\ntopic read /oneM2M/resp/id-in/+/+\ntopic write /oneM2M/resp/+/id-in/+\ntopic write /oneM2M/req/id-in/+/+\npattern write /oneM2M/req/%%u/+/+\npattern read /oneM2M/resp/%%u/+/+\n' >acl
printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s/passwd\nacl_file %s/acl\nset_tcp_nodelay true\n' "$MQTT_PORT" "$TMP" "$TMP" >mosquitto.conf
[[ $(id -u) = 0 ]] && echo "user root" >>mosquitto.conf
mosquitto -c mosquitto.conf >broker.log 2>&1 &
PIDS+=($!)
printf 'csepass\n' >cse.pw && chmod 600 cse.pw
KEY=bench-psk-0000001
"$CSE" ca init --db "$TMP/db" >/dev/null
"$CSE" credential add --db "$TMP/db" --psk-identity bench@trustcse.local \
  --psk "$(printf %s "$KEY" | od -An -tx1 | tr -d ' \n')" --id Cbench >/dev/null
cat >cfg.toml <<TOML
[storage]
db = "$TMP/db"
[mqtt]
enabled = true
port = $MQTT_PORT
username = "id-in"
password_file = "$TMP/cse.pw"
[log]
level = "warn"
TOML
sleep 0.3
"$CSE" serve --config cfg.toml --dev --http-port 0 --coap-port 0 --coaps-port 0 >out 2>log &
PIDS+=($!)
for _ in $(seq 100); do [[ $(grep -c '^listening' out 2>/dev/null) = 3 ]] && break; sleep 0.1; done
HTTP=$(awk '/^listening http / {print $3}' out)
COAP=$(awk '/^listening coap / {print $3}' out)
COAPS=$(awk '/^listening coaps / {print $3}' out)
H=(--header 'X-M2M-RVI: 3' --header 'X-M2M-RI: b{n}' --header 'X-M2M-Origin: Cbench')
"$LD" --port "$HTTP" --requests 1 "${H[@]}" --method POST --path /cse-in \
  --header 'Content-Type: application/json;ty=2' --body '{"m2m:ae":{"rn":"bench","api":"Nb","rr":true,"srv":["3"]}}' >/dev/null
"$LD" --port "$HTTP" --requests 1 "${H[@]}" --method POST --path /cse-in/bench \
  --header 'Content-Type: application/json;ty=3' --body '{"m2m:cnt":{"rn":"data","mni":100000000}}' >/dev/null
"$LD" --port "$HTTP" --requests 1 "${H[@]}" --method POST --path /cse-in/bench/data \
  --header 'Content-Type: application/json;ty=4' --body '{"m2m:cin":{"con":"1"}}' >/dev/null

echo "== trustcse bindings benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) CPUs; trustcse: HTTP 2 I/O threads, CoAP 1 loop thread, MQTT via mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}')"
echo "closed loop, ${WARM}s warm-up + ${DUR}s; load generators on the same machine; durable creates (fsync)"
declare -A R
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
for c in 1 16; do
  R[http,create,$c]=$("$LD" --port "$HTTP" --connections $c --duration "$DUR" --warmup "$WARM" "${H[@]}" \
    --method POST --path /cse-in/bench/data --header 'Content-Type: application/json;ty=4' \
    --body '{"m2m:cin":{"con":"21.5","cnf":"text/plain:0"}}' | sed 's/rps=/rate=/')
  R[http,get,$c]=$("$LD" --port "$HTTP" --connections $c --duration "$DUR" --warmup "$WARM" "${H[@]}" \
    --path /cse-in/bench/data/la | sed 's/rps=/rate=/')
  for op in create get; do
    path=cse-in/bench/data
    [[ $op = get ]] && path=cse-in/bench/data/la
    R[coap,$op,$c]=$("$BB" coap --port "$COAP" --sessions $c --op $op --path $path --originator Cbench \
      --duration "$DUR" --warmup "$WARM")
    R[coaps,$op,$c]=$("$BB" coap --port "$COAPS" --sessions $c --psk-identity bench@trustcse.local \
      --psk "$KEY" --op $op --path $path --originator Cbench --duration "$DUR" --warmup "$WARM")
    R[mqtt,$op,$c]=$("$BB" mqtt --port "$MQTT_PORT" --user Cbench --password benchpass --outstanding $c \
      --op $op --path $path --originator Cbench --duration "$DUR" --warmup "$WARM")
  done
done
printf '%-22s %8s %10s %9s %9s %8s %7s\n' binding op/in-flight rate p50_us p99_us vs_http errors
for op in create get; do
  for c in 1 16; do
    base=$(field rate "${R[http,$op,$c]}")
    for b in http coap coaps mqtt; do
      l=${R[$b,$op,$c]}
      name=$b
      [[ $b = coaps ]] && name="coap+dtls (psk)"
      printf '%-22s %8s %10.0f %9s %9s %8s %7s\n' "$name" "$op/$c" "$(field rate "$l")" \
        "$(field p50_us "$l")" "$(field p99_us "$l")" \
        "$(awk -v a="$(field rate "$l")" -v b="$base" 'BEGIN{printf "%.2f", a/b}')" \
        "$(( $(field errors "$l") + $(e=$(field io_errors "$l"); echo "${e:-0}") ))"
    done
  done
done
