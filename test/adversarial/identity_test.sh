#!/usr/bin/env bash
# Attack family: identity — one device holding one legitimate credential tries to act as
# another (issue 11, items 1, 2 and 10). Real clients: openssl s_client over TLS-PSK, curl,
# coap-client over DTLS-PSK; python3 for the racing registrations and the notification sink.
#   1. an m2m:seci NOTIFY (a "dynamic authorization consultation") as another originator, to
#      another AE or to the CSEBase, over TLS and over DTLS: 4106, nothing forwarded;
#   2. AE-ID squatting: an unbound credential registering an ID an enrolment token reserves,
#      or any ID of its choosing while the operator has not opted in; enrolment for an ID
#      another credential holds;
#  10. 64 racing registrations of one AE-ID: exactly one 2001, every other 4117.
# Usage: identity_test.sh path/to/trustcse path/to/libonem2m_coap_client_shim.so
set -uo pipefail
bin=${1:?usage: identity_test.sh path/to/trustcse path/to/shim.so}
shim=${2:?usage: identity_test.sh path/to/trustcse path/to/shim.so}
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
start_test identity
sink_pid=
trap 'for p in $pid $sink_pid; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2],''))" "$1" "$2"; }
expect() {  # expect NAME WANT GOT
  [ "$3" = "$2" ] && pass || fail "$1: want $2 got '$3'"
}

config() {  # config AE_ID_REGISTRATION
  cat >cfg.toml <<TOML
[storage]
db = "$dir/db"
[http]
enabled = true
port = 0
[tls]
enabled = true
[[tls.listener]]
port = 0
client_auth = ["psk"]
[[tls.listener]]
port = 0
client_auth = ["psk", "none"]
[coap]
enabled = true
[[coap.listener]]
port = 0
client_auth = ["psk"]
[authz]
das_role = true
[security]
ae_id_registration = "$1"
[log]
level = "info"
TOML
}
cse() { "$bin" "$@" --config cfg.toml; }
start() {
  : >out  # emptied here: the child truncates it only after the loop below may have read it
  "$bin" serve --config cfg.toml >out 2>log &
  pid=$!
  for _ in $(seq 100); do [ "$(grep -c '^listening' out 2>/dev/null)" -ge 4 ] && break; sleep 0.1; done
  http=$(awk '/^listening http / {print $3}' out)
  ops=$(awk '/^listening https/ {print $3}' out | sed -n 1p)
  enrol_port=$(awk '/^listening https/ {print $3}' out | sed -n 2p)
  coaps=$(awk '/^listening coaps/ {print $3}' out | sed -n 1p)
  [ -n "$coaps" ] || { echo "server did not start"; cat log out; exit 1; }
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null; pid=; }

# tls CREDENTIAL KEY REQUEST — one request over TLS-PSK (openssl s_client); prints the RSC.
tls() {
  printf '%b' "$3" | timeout 10 openssl s_client -connect "127.0.0.1:$ops" -tls1_3 \
    -psk_identity "$1" -psk "$2" -ign_eof 2>/dev/null | tee last.out |
    tr -d '\r' | awk -F': ' 'tolower($1)=="x-m2m-rsc" {print $2; exit}'
}
notify() {  # notify ORIGIN PATH BODY — a NOTIFY over HTTP (POST without a resource type)
  printf 'POST %s HTTP/1.1\\r\\nHost: localhost\\r\\nX-M2M-Origin: %s\\r\\nX-M2M-RI: n\\r\\nX-M2M-RVI: 3\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s' "$2" "$1" "${#3}" "$3"
}
ae() { printf '{"m2m:ae":{"rn":"%s","api":"N%s","rr":true,"srv":["3"]%s}}' "$1" "$1" "${2:-}"; }
# coap NAME CREDENTIAL KEY ARGS… — one request over DTLS-PSK; prints the oneM2M-RSC option.
coap() {
  local name=$1 identity=$2 key=$3; shift 3
  LD_PRELOAD=$shim timeout 20 coap-client-openssl -v 6 -O 271,3 -u "$identity" -k "$key" "$@" \
    >"$name.out" 2>&1
  local got
  got=$(grep -o '307:\\x[0-9A-F][0-9A-F]\\x[0-9A-F][0-9A-F]' "$name.out" | tail -1 |
        sed 's/307:\\x\(..\)\\x\(..\)/\1\2/')
  echo "${got:+$((16#$got))}"
}

# --- credentials, made while the server is stopped -------------------------------------------
config bound
must cse ca init --out ca.pem >/dev/null
ka=000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f
kb=101112131415161718191a1b1c1d1e1f101112131415161718191a1b1c1d1e1f
kf=202122232425262728292a2b2c2d2e2f202122232425262728292a2b2c2d2e2f
must cse credential add --psk-identity a@trustcse.test --psk "$ka" --id Ca >/dev/null
must cse credential add --psk-identity b@trustcse.test --psk "$kb" --id Cb >/dev/null
must cse credential add --psk-identity free@trustcse.test --psk "$kf" >/dev/null
# coap-client takes a PSK as text: the key is the bytes of this string.
coap_key=identity-coap-key-01
must cse credential add --psk-identity coap-a@trustcse.test \
  --psk "$(printf %s "$coap_key" | od -An -tx1 | tr -d ' \n')" --id Ca >/dev/null
token=$(cse enrol-token create --id Cvictim 2>/dev/null)
[ -n "$token" ] || { echo "no enrolment token"; exit 1; }

# A notification sink standing in for Cb's point of access: it records what reaches it.
cat >sink.py <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open('sink.log', 'a') as f:
            f.write(self.headers.get('X-M2M-Origin', '') + ' ' + body.decode(errors='replace') + '\n')
        self.send_response(200)
        self.send_header('X-M2M-RSC', '2000')
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 sink.py >sink.port 2>/dev/null &
sink_pid=$!
for _ in $(seq 50); do [ -s sink.port ] && break; sleep 0.1; done
sink=$(cat sink.port)
: >sink.log

start
expect a-registers 2001 "$(tls a@trustcse.test "$ka" "$(post Ca /cse-in 2 "$(ae ca)")")"
expect b-registers 2001 "$(tls b@trustcse.test "$kb" "$(post Cb /cse-in 2 "$(ae cb ",\"poa\":[\"http://127.0.0.1:$sink\"]")")")"

# --- 1. m2m:seci is no pass ------------------------------------------------------------------
seci='{"m2m:seci":{"sit":1,"dreq":{"or":"Ca","op":2,"rid":"x"}}}'
expect seci-as-admin-to-another-ae 4106 "$(tls a@trustcse.test "$ka" "$(notify CAdmin /cse-in/cb "$seci")")"
expect seci-as-b-to-b 4106 "$(tls a@trustcse.test "$ka" "$(notify Cb /cse-in/cb "$seci")")"
expect seci-as-admin-to-cse 4106 "$(tls a@trustcse.test "$ka" "$(notify CAdmin /cse-in "$seci")")"
# As itself, not a configured consultant: an ordinary NOTIFY that the CSEBase's policy refuses.
got=$(tls a@trustcse.test "$ka" "$(notify Ca /cse-in "$seci")")
expect seci-from-a-non-consultant 4103 "$got"
grep -q '"dres"' last.out && fail "a non-consultant got the DAS role's answer" || pass
got=$(coap coap-seci-as-admin coap-a@trustcse.test "$coap_key" -m post -O 279,CAdmin -O 283,c1 \
      -t 50 -e "$seci" "coaps://127.0.0.1:$coaps/cse-in/cb")
expect coap-seci-as-admin-to-another-ae 4106 "$got"
got=$(coap coap-seci-as-b coap-a@trustcse.test "$coap_key" -m post -O 279,Cb -O 283,c2 \
      -t 50 -e "$seci" "coaps://127.0.0.1:$coaps/cse-in")
expect coap-seci-as-b-to-cse 4106 "$got"
sleep 0.5
[ -s sink.log ] && fail "a forged NOTIFY reached Cb's point of access: $(cat sink.log)" || pass
grep -q 'deny step=authn.channel.*originator=CAdmin' log && pass ||
  fail "the forged originator left no security event"
# The legitimate path still works: Ca's own NOTIFY to Cb is refused by Cb's policy (4103),
# not by authentication; nothing forged.
expect own-notify-to-b 4103 "$(tls a@trustcse.test "$ka" "$(notify Ca /cse-in/cb '{"m2m:sgn":{"nev":{"rep":{}}}}')")"

# --- 2. AE-ID squatting ----------------------------------------------------------------------
got=$(tls free@trustcse.test "$kf" "$(post Cvictim /cse-in 2 "$(ae squat)")")
expect squat-reserved-id 4106 "$got"
got=$(tls free@trustcse.test "$kf" "$(post Cchosen /cse-in 2 "$(ae chosen)")")
expect unbound-claims-an-id-without-opt-in 4106 "$got"
grep -q 'register with originator C' last.out && pass || fail "the refusal does not say what to do: $(tail -1 last.out)"
# Over the plain listener, no credential at all: a reserved ID cannot be squatted, and an ID a
# credential holds cannot be used.
plain() {  # plain METHOD PATH ORIGIN [TY BODY] — prints the RSC
  local args=(-s -D - -o /dev/null -X "$1" -H "X-M2M-Origin: $3" -H 'X-M2M-RI: p' -H 'X-M2M-RVI: 3')
  [ $# -gt 3 ] && args+=(-H "Content-Type: application/json;ty=$4" -d "$5")
  curl "${args[@]}" "http://127.0.0.1:$http$2" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-m2m-rsc" {print $2; exit}'
}
expect plain-squat-reserved-id 4106 "$(plain POST /cse-in Cvictim 2 "$(ae plainsquat)")"
expect plain-acts-as-bound-id 4106 "$(plain GET /cse-in/ca Ca)"
expect plain-free-id-still-works 2001 "$(plain POST /cse-in Cplainfree 2 "$(ae plainfree)")"
# The real device enrols with its token and registers under its ID.
code=$(curl -s --cacert ca.pem -o victim.json -w '%{http_code}' -X POST \
       -H 'Content-Type: application/json' --data-binary "{\"token\":\"$token\"}" \
       "https://localhost:$enrol_port/.well-known/trustcse/enrol")
expect victim-enrols 201 "$code"
vcred=$(field victim.json credential)
vpsk=$(field victim.json psk)
expect victim-registers 2001 "$(tls "$vcred" "$vpsk" "$(post Cvictim /cse-in 2 "$(ae victim)")")"
expect squatter-cannot-act-as-victim 4106 "$(tls free@trustcse.test "$kf" "$(get Cvictim /cse-in/victim)")"
# No token is issued for an ID another credential holds or an AE is registered under.
cse enrol-token create --id Ca >tok.out 2>&1 && fail "a token for a bound, registered ID" || pass
grep -qi 'registered\|bound' tok.out && pass || fail "token refusal unclear: $(cat tok.out)"
# Registering with C still works for an unbound credential, and binds the assigned ID.
expect unbound-registers-with-C 2001 "$(tls free@trustcse.test "$kf" "$(post C /cse-in 2 "$(ae freeae)")")"

# --- 10. racing registrations of one AE-ID ---------------------------------------------------
python3 - "$http" >race.out <<'PY'
import http.client, json, sys, threading
port = int(sys.argv[1])
body = json.dumps({"m2m:ae": {"rn": "racer", "api": "Nrace", "rr": False, "srv": ["3"]}})
codes, lock = [], threading.Lock()
def register(i):
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    c.request('POST', '/cse-in', body=body.replace('"racer"', '"racer%d"' % (i % 4)),
              headers={'X-M2M-Origin': 'Cracer', 'X-M2M-RI': str(i), 'X-M2M-RVI': '3',
                       'Content-Type': 'application/json;ty=2'})
    r = c.getresponse(); r.read()
    with lock: codes.append(r.getheader('X-M2M-RSC'))
ts = [threading.Thread(target=register, args=(i,)) for i in range(64)]
for t in ts: t.start()
for t in ts: t.join()
print(' '.join(sorted(codes)))
PY
expect race-one-created "1" "$(tr ' ' '\n' <race.out | grep -c '^2001$')"
expect race-rest-4117 "63" "$(tr ' ' '\n' <race.out | grep -c '^4117$')"
stop

# --- 2, opt-in: any free C-ID, but never a reserved one -----------------------------------------
token2=$(cse enrol-token create --id Cvictim2 2>/dev/null)
[ -n "$token2" ] || fail "second token not created"
config any-free
start
kg=303132333435363738393a3b3c3d3e3f303132333435363738393a3b3c3d3e3f
must cse credential add --psk-identity free2@trustcse.test --psk "$kg" >/dev/null
expect opt-in-squat-reserved-after-restart 4106 "$(tls free2@trustcse.test "$kg" "$(post Cvictim2 /cse-in 2 "$(ae squat2)")")"
expect opt-in-squat-bound 4106 "$(tls free2@trustcse.test "$kg" "$(post Ca /cse-in 2 "$(ae squat3)")")"
expect opt-in-free-id 2001 "$(tls free2@trustcse.test "$kg" "$(post Cmine /cse-in 2 "$(ae mine)")")"
# A token created while the server runs reserves its ID at once.
token3=$(cse enrol-token create --id Clive 2>/dev/null)
[ -n "$token3" ] && pass || fail "no token from the running server"
kh=404142434445464748494a4b4c4d4e4f404142434445464748494a4b4c4d4e4f
must cse credential add --psk-identity free3@trustcse.test --psk "$kh" >/dev/null
expect opt-in-squat-live-token 4106 "$(tls free3@trustcse.test "$kh" "$(post Clive /cse-in 2 "$(ae live)")")"
stop
finish identity
