#!/usr/bin/env bash
# Black-box test of notifications to https:// targets (egress/http): python3 HTTPS receivers on
# 127.0.0.1 whose certificates come from a test CA made here with the openssl CLI; the CSE
# trusts that CA ([egress] ca_files) and holds a client certificate from it ([egress] cert_file).
#   - a subscription whose nu is such a receiver is verified (vrq) and then notified of a new
#     contentInstance, with the CSE's Via;
#   - a receiver that requires a client certificate (mutual TLS) gets the CSE's;
#   - a receiver whose certificate another CA issued, or that names another host, is refused:
#     the subscription fails with 5204 and the log says why;
#   - without [egress] ca_files the test CA is not trusted (system store only): 5204.
# Usage: https_notification_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: https_notification_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test https-notification
receivers=()
trap 'for p in $pid "${receivers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
expect() {  # expect NAME WANT GOT
  [ "$3" = "$2" ] && pass || fail "$1: want $2 got '$3'"
}

# --- the test PKI --------------------------------------------------------------------------
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {  # ca NAME — a self-signed CA certificate NAME.pem with key NAME.key
  key "$1.key" && openssl req -x509 -new -key "$1.key" -subj "/CN=$1" -days 2 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
    -out "$1.pem" 2>/dev/null
}
leaf() {  # leaf CA NAME SAN EKU — NAME.pem / NAME.key issued by CA
  key "$2.key" && openssl req -new -key "$2.key" -subj "/CN=$2" -out "$2.csr" 2>/dev/null &&
    printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$3" "$4" >"$2.ext" &&
    openssl x509 -req -in "$2.csr" -CA "$1.pem" -CAkey "$1.key" -CAcreateserial -days 2 \
      -extfile "$2.ext" -out "$2.pem" 2>/dev/null && chmod 600 "$2.key"
}
must ca testca
must ca otherca
must leaf testca receiver 'IP:127.0.0.1,DNS:localhost' serverAuth
must leaf testca elsewhere 'DNS:other.example' serverAuth
must leaf otherca stranger 'IP:127.0.0.1,DNS:localhost' serverAuth
must leaf testca cse 'URI:oneM2M://trustcse.local/id-in' clientAuth

# --- HTTPS receivers -------------------------------------------------------------------------
cat >receiver.py <<'PY'
import http.server, json, ssl, sys
cert, key, log, client_ca = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        peer = self.connection.getpeercert() or {}
        cn = [v for rdn in peer.get('subject', ()) for k, v in rdn if k == 'commonName']
        with open(log, 'a') as f:
            f.write(json.dumps({'body': body.decode(errors='replace'),
                                'via': self.headers.get('Via'),
                                'origin': self.headers.get('X-M2M-Origin'),
                                'client': cn[0] if cn else ''}) + '\n')
        self.send_response(200)
        self.send_header('X-M2M-RSC', '2000')
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
if client_ca != '-':
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(client_ca)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
receiver() {  # receiver NAME CERT [CLIENT_CA] — not in a subshell: the trap must know the pid
  python3 receiver.py "$2.pem" "$2.key" "$1.log" "${3:--}" >"$1.port" 2>"$1.err" &
  receivers+=($!)
  for _ in $(seq 50); do [ -s "$1.port" ] && break; sleep 0.1; done
  [ -s "$1.port" ] || { echo "receiver $1 did not start"; cat "$1.err"; exit 1; }
  : >"$1.log"
}
receiver plain receiver
receiver mutual receiver testca.pem
receiver untrusted stranger
receiver wrongname elsewhere

# --- the CSE ----------------------------------------------------------------------------------
start() {  # start EGRESS-LINES — a server with plain HTTP (for curl) and this [egress] section
  printf '[storage]\ndb = "%s/db-%s"\n[notification]\ntimeout_ms = 3000\nattempts = 1\n[egress]\n%s\n' \
    "$dir" "$RANDOM" "$1" >cfg.toml
  : >out
  "$bin" serve --config cfg.toml --dev --http-port 0 >out 2>log &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening http ' out 2>/dev/null && break; sleep 0.1; done
  port=$(awk '/^listening http / {print $3}' out)
  [ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }
  req 1 2 /cse-in '{"m2m:ae":{"rn":"hs","api":"Nhs","rr":true,"srv":["3"]}}' >/dev/null
  req 2 3 /cse-in/hs '{"m2m:cnt":{"rn":"c"}}' >/dev/null
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null; pid=; }
req() {  # req RI TY PATH BODY — a create as Chs; prints the RSC
  curl -s -D "h.$1" -o "b.$1" -X POST -H 'X-M2M-Origin: Chs' -H "X-M2M-RI: $1" \
    -H 'X-M2M-RVI: 3' -H "Content-Type: application/json;ty=$2" -d "$4" \
    "http://127.0.0.1:$port$3"
  rsc_of "h.$1"
}
subscribe() {  # subscribe NAME URL — prints the RSC of a subscription with nu URL
  req "$1" 23 /cse-in/hs/c "{\"m2m:sub\":{\"rn\":\"$1\",\"nu\":[\"$2\"],\"enc\":{\"net\":[3]}}}"
}
url() { echo "https://127.0.0.1:$(cat "$1.port")/notify"; }
wait_for() {  # wait_for FILE PATTERN — up to 5 s
  for _ in $(seq 50); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

start "ca_files = [\"$dir/testca.pem\"]
cert_file = \"$dir/cse.pem\"
key_file = \"$dir/cse.key\""
expect verified 2001 "$(subscribe s1 "$(url plain)")"
grep -q 'vrq.*true' plain.log && pass || fail "no verification request: $(cat plain.log)"
grep -q '"via": "1.1 id-in"' plain.log && pass || fail "no Via: $(cat plain.log)"
expect cin-created 2001 "$(req 10 4 /cse-in/hs/c '{"m2m:cin":{"con":"over-tls"}}')"
wait_for plain.log 'over-tls' && pass || fail "no notification of the contentInstance: $(cat plain.log)"
grep -q '"origin": "/id-in"' plain.log && pass || fail "notification not from the CSE"

expect mutual-tls 2001 "$(subscribe s2 "$(url mutual)")"
grep -q '"client": "cse"' mutual.log && pass || fail "the CSE's certificate was not presented: $(cat mutual.log)"

expect untrusted-refused 5204 "$(subscribe s3 "$(url untrusted)")"
grep -q 'certificate was not accepted' log && pass || fail "no log line for the untrusted receiver"
expect wrong-host-refused 5204 "$(subscribe s4 "$(url wrongname)")"
grep -q 'IP address mismatch' log && pass || fail "no log line for the wrong host name"
[ -s untrusted.log ] || [ -s wrongname.log ] && fail "a refused receiver got a request" || pass
stop

# Without a client certificate the receiver that requires one refuses the CSE.
start "ca_files = [\"$dir/testca.pem\"]"
expect no-client-certificate 5204 "$(subscribe s5 "$(url mutual)")"
expect trusted-without-client-certificate 2001 "$(subscribe s6 "$(url plain)")"
stop

# Without ca_files the anchors are the system's store (and the built-in CA, not initialized
# here): the test CA is not one of them.
start ''
expect default-anchors 5204 "$(subscribe s7 "$(url plain)")"
grep -q 'certificate was not accepted' log && pass || fail "no log line for the default anchors"
stop

# A client certificate without its key stops the start-up with a clear line.
printf '[storage]\ndb = "%s/db-bad"\n[egress]\ncert_file = "%s/cse.pem"\n' "$dir" "$dir" >bad.toml
timeout 20 "$bin" serve --config bad.toml --dev --http-port 0 >bad.out 2>bad.log
rc=$?
[ $rc -ne 0 ] && [ $rc -lt 128 ] && pass || fail "a certificate without a key exits $rc"
grep -q 'egress.cert_file and egress.key_file' bad.log && pass || fail "no clear line: $(cat bad.log)"
finish https-notification
