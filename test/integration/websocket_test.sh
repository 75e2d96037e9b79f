#!/usr/bin/env bash
# Black-box test of the WebSocket binding (TS-0020) with a real WebSocket client (Debian's
# python3-websockets, ws_client.py): over ws:// — registration, CRUD, a notification and a
# forwarded NOTIFY delivered over the open connection, bad input answered with response
# primitives, the oneM2M.json/oneM2M.cbor subprotocols (an upgrade without one refused), an
# oversized message, a peer that answers no pings, the per-source connection cap; over wss://
# with a certificate of the test CA — the same flow, and identities the credential does not
# certify refused with the codes HTTPS gives for the same claims, and no client credential
# refused. Also: the listeners in `trustcse status` and /metrics, the ws/wss points of access of
# the CSEBase, a reload.
# Usage: websocket_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: websocket_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=/usr/bin/python3  # Debian's, with python3-websockets
"$py" -c 'import websockets' 2>/dev/null ||
  { echo "setup failed: python3-websockets is not installed (scripts/install-deps.sh --test)"; exit 1; }
start_test websocket
cse() { "$bin" "$@" --config "$dir/trustcse.toml"; }

per_source=6 rate=20 burst=40
monitoring_port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >trustcse.toml <<TOML
[storage]
db = "$dir/db"
[monitoring]
port = $monitoring_port
[websocket]
max_message_bytes = 65536
idle_timeout_ms = 2000
max_connections_per_source = $per_source
messages_per_second = $rate
message_burst = $burst
TOML
must cse ca init --cn "trustcse test CA" --out ca.pem
must cse ca issue --id Ccert --generate --key-out dev.key --out dev.crt 2>/dev/null
psk=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
must cse credential add --psk-identity dev-psk@trustcse.test --psk "$psk" --id Cpsk >/dev/null

"$bin" serve --config "$dir/trustcse.toml" --dev --http-port 0 --tls-port 0 --ws-port 0 \
  --wss-port 0 >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q '^listening wss' out 2>/dev/null && break; sleep 0.1; done
ws_port=$(awk '/^listening ws / {print $3}' out)
wss_port=$(awk '/^listening wss / {print $3}' out)
https_port=$(awk '/^listening https / {print $3}' out)
http_port=$(awk '/^listening http / {print $3}' out)
[ -n "$ws_port" ] && [ -n "$wss_port" ] && [ -n "$https_port" ] ||
  { echo "server did not start"; cat out log; exit 1; }

# run_client ARGS… — ws_client.py's "ok"/"FAIL" lines become checks; "code NAME RSC" lines are
# kept in codes.txt.
run_client() {
  timeout 120 "$py" "$here/ws_client.py" "$@" >client.out 2>client.err
  local rc=$?
  while read -r word rest; do
    case $word in
      ok) pass ;;
      FAIL) fail "$rest" ;;
      code) echo "$rest" >>codes.txt ;;
    esac
  done <client.out
  [ $rc -eq 0 ] && pass || fail "ws_client.py $1 exited $rc: $(tail -5 client.err)"
}

run_client plain "ws://127.0.0.1:$ws_port/" "$per_source" "$rate" "$burst"
run_client tls "wss://localhost:$wss_port/" ca.pem dev.crt dev.key
run_client tls-anonymous "wss://localhost:$wss_port/" ca.pem

# The same claims over HTTPS with the same certificate: the WebSocket answers must match.
https_rsc() {
  local origin=$1 method=$2 path=$3 ty=${4:-} body=${5:-}
  local args=(-s --cacert ca.pem --cert dev.crt --key dev.key -o /dev/null -D headers -X "$method"
              -H "X-M2M-Origin: $origin" -H "X-M2M-RI: h" -H "X-M2M-RVI: 3")
  [ -n "$ty" ] && args+=(-H "Content-Type: application/json;ty=$ty" --data-binary "$body")
  : >headers
  curl "${args[@]}" "https://localhost:$https_port$path"
  rsc_of headers
}
compare() {
  local name=$1 https=$2 ws
  ws=$(awk -v n="$name" '$1 == n {print $2}' codes.txt 2>/dev/null)
  if [ -n "$ws" ] && [ "$ws" = "$https" ] && [ "${ws:0:1}" = 4 ]; then
    pass
  else
    fail "$name: WebSocket answered '$ws', HTTPS '$https' (both must refuse alike)"
  fi
}
compare claim-another "$(https_rsc Cpsk GET /cse-in/wsscert)"
compare claim-admin "$(https_rsc CAdmin GET /cse-in)"
compare register-another "$(https_rsc Cother POST /cse-in 2 \
  '{"m2m:ae":{"rn":"httpsother","api":"Nx","rr":true,"srv":["3"]}}')"
grep -q '^claim-another 4106$' codes.txt && pass ||
  fail "an originator the certificate does not certify: $(grep claim-another codes.txt)"

# Where the CSE says it can be reached, and what `trustcse status` shows.
curl -s -H 'X-M2M-Origin: CAdmin' -H 'X-M2M-RI: p' -H 'X-M2M-RVI: 3' \
  "http://127.0.0.1:$http_port/cse-in" >cb.json
grep -q "\"ws://127.0.0.1:$ws_port\"" cb.json && grep -q "\"wss://127.0.0.1:$wss_port\"" cb.json &&
  pass || fail "CSEBase poa lacks ws:// and wss://: $(cat cb.json)"
cse status --json >status.json 2>status.err || fail "trustcse status: $(cat status.err)"
"$py" -c 'import json,sys; names={l["name"] for l in json.load(open("status.json"))["listeners"]}
sys.exit(0 if {"ws","wss"} <= names else 1)' && pass ||
  fail "status does not list the WebSocket listeners: $(cat status.json)"

curl -s "http://127.0.0.1:$monitoring_port/metrics" >metrics.txt
grep -q "trustcse_listener_up{listener=\"ws\",port=\"$ws_port\"} 1" metrics.txt &&
  grep -q "trustcse_listener_up{listener=\"wss\",port=\"$wss_port\"} 1" metrics.txt &&
  grep -q '^trustcse_websocket_connections_max 1000' metrics.txt &&
  grep -q '^trustcse_websocket_entities_connected ' metrics.txt &&
  grep -q 'binding="wss"' metrics.txt && pass ||
  fail "/metrics lacks the WebSocket listeners or counters: $(grep -i 'websocket\|listener_up' metrics.txt)"

# A reload (SIGHUP) gives the wss listener a new TLS context; new connections work on.
kill -HUP "$pid"
for _ in $(seq 50); do grep -q 'reload' log && break; sleep 0.1; done
run_client tls-again "wss://localhost:$wss_port/" ca.pem dev.crt dev.key

kill "$pid" && wait "$pid"
pid=
grep -q AddressSanitizer log && fail "sanitizer report: $(grep -m3 -A5 AddressSanitizer log)" || pass
finish websocket_test
