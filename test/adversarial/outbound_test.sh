#!/usr/bin/env bash
# Attack family: outbound — a client names the targets the CSE sends to (a subscription's nu, an
# AE's poa), and so would aim the CSE at the operator's internal services or a cloud metadata
# endpoint (issue 11, item 12). Checks, with curl and python3 sinks on loopback addresses:
#   - a subscription whose nu is the metadata address (169.254.169.254) fails verification
#     (5204) without the CSE sending anything there, and the log says why;
#   - a deny list entry (here 127.0.0.3) is refused, everything else is sent;
#   - an allow list is complete: with allow_networks = ["127.0.0.2"], 127.0.0.1 is refused;
#   - an entry that is no network stops the start-up with a clear line.
# Usage: outbound_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: outbound_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
start_test outbound
sinks=()
trap 'for p in $pid "${sinks[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
expect() {  # expect NAME WANT GOT
  [ "$3" = "$2" ] && pass || fail "$1: want $2 got '$3'"
}

# sink ADDRESS NAME — an HTTP listener on ADDRESS that records requests in NAME.log; prints its port.
cat >sink.py <<'PY'
import http.server, sys
log = sys.argv[2] + '.log'
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open(log, 'a') as f: f.write(body.decode(errors='replace') + '\n')
        self.send_response(200)
        self.send_header('X-M2M-RSC', '2000')
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer((sys.argv[1], 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
sink() {  # not in a subshell: the trap must know the pid
  python3 sink.py "$1" "$2" >"$2.port" 2>/dev/null &
  sinks+=($!)
  for _ in $(seq 50); do [ -s "$2.port" ] && break; sleep 0.1; done
  : >"$2.log"
}
sink 127.0.0.1 one
sink 127.0.0.2 two
sink 127.0.0.3 three
one=$(cat one.port) two=$(cat two.port) three=$(cat three.port)

start() {  # start CONFIG-LINES — a server with plain HTTP and this [notification] section
  printf '[storage]\ndb = "%s/db-%s"\n[notification]\ntimeout_ms = 2000\nattempts = 1\n%s\n' \
    "$dir" "$RANDOM" "$1" >cfg.toml
  : >out  # emptied here: the child truncates it only after the loop below may have read it
  "$bin" serve --config cfg.toml --dev --http-port 0 >out 2>log &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening http ' out 2>/dev/null && break; sleep 0.1; done
  port=$(awk '/^listening http / {print $3}' out)
  [ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }
  curl -s -o /dev/null -X POST -H 'X-M2M-Origin: Cout' -H 'X-M2M-RI: 1' -H 'X-M2M-RVI: 3' \
    -H 'Content-Type: application/json;ty=2' \
    -d '{"m2m:ae":{"rn":"out","api":"Nout","rr":true,"srv":["3"]}}' "http://127.0.0.1:$port/cse-in"
  curl -s -o /dev/null -X POST -H 'X-M2M-Origin: Cout' -H 'X-M2M-RI: 2' -H 'X-M2M-RVI: 3' \
    -H 'Content-Type: application/json;ty=3' -d '{"m2m:cnt":{"rn":"c"}}' \
    "http://127.0.0.1:$port/cse-in/out"
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null; pid=; }
subscribe() {  # subscribe NAME URL — prints the RSC of a subscription with nu URL
  curl -s -D - -o /dev/null -X POST -H 'X-M2M-Origin: Cout' -H "X-M2M-RI: $1" \
    -H 'X-M2M-RVI: 3' -H 'Content-Type: application/json;ty=23' \
    -d "{\"m2m:sub\":{\"rn\":\"$1\",\"nu\":[\"$2\"],\"enc\":{\"net\":[3]}}}" \
    "http://127.0.0.1:$port/cse-in/out/c" >"$1.h"
  local rsc
  rsc=$(tr -d '\r' <"$1.h" | awk -F': ' 'tolower($1)=="x-m2m-rsc" {print $2; exit}')
  # No answer at all: show why (the server's state and its log) with the failure.
  [ -n "$rsc" ] || { kill -0 "$pid" 2>/dev/null || echo "server $pid is gone" >&2
                     cat "$1.h" >&2; tail -5 log >&2; }
  echo "$rsc"
}

# --- the default deny list, plus one loopback address ---------------------------------------
start 'deny_networks = ["169.254.0.0/16", "fe80::/10", "127.0.0.3"]'
expect metadata-refused 5204 "$(subscribe meta http://169.254.169.254/latest/meta-data)"
grep -q 'does not send to' log && pass || fail "no log line for the refused destination"
expect denied-loopback-refused 5204 "$(subscribe three "http://127.0.0.3:$three/n")"
expect other-loopback-sent 2001 "$(subscribe one "http://127.0.0.1:$one/n")"
sleep 0.3
[ -s three.log ] && fail "the denied sink received: $(cat three.log)" || pass
grep -q '"vrq":true' one.log && pass || fail "the permitted sink got no verification"
stop

# --- an allow list is the complete list ------------------------------------------------------
: >one.log
start 'allow_networks = ["127.0.0.2"]'
expect not-in-allow-list 5204 "$(subscribe one2 "http://127.0.0.1:$one/n")"
expect in-allow-list 2001 "$(subscribe two "http://127.0.0.2:$two/n")"
sleep 0.3
[ -s one.log ] && fail "a sink outside the allow list received: $(cat one.log)" || pass
grep -q '"vrq":true' two.log && pass || fail "the allowed sink got no verification"
stop

# --- a list entry that is no network --------------------------------------------------------
printf '[storage]\ndb = "%s/db-bad"\n[notification]\ndeny_networks = ["intranet"]\n' "$dir" >bad.toml
timeout 20 "$bin" serve --config bad.toml --dev --http-port 0 >bad.out 2>bad.log
rc=$?
[ $rc -ne 0 ] && [ $rc -lt 128 ] && pass || fail "a bad network list exits $rc"
grep -q 'not a network' bad.log && pass || fail "no clear line for a bad list: $(cat bad.log)"
finish outbound
