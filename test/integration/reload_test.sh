#!/usr/bin/env bash
# Black-box test of SIGHUP: the server re-reads its configuration without dropping connections.
# A TLS connection opened before the reload stays open and keeps answering; new handshakes get
# the replaced server certificate; a certificate revoked before the reload is refused; the new
# log level is in force; a setting that needs a restart is reported and kept; a broken
# configuration is refused and the server goes on; systemd hears READY, RELOADING (with
# MONOTONIC_USEC) and STOPPING through NOTIFY_SOCKET; SIGTERM afterwards exits 0 and removes the
# admin socket. Usage: reload_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: reload_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test reload
cse() { "$bin" "$@" --db "$dir/db"; }

# --- the CA, two device certificates, two server certificates -------------------------------
must cse ca init --cn "trustcse reload test CA" --out ca.pem >/dev/null
must cse ca issue --id Cdev --generate --key-out dev.key --out dev.crt 2>/dev/null
must cse ca issue --id Crev --generate --key-out rev.key --out rev.crt 2>rev.log
rev_serial=$(awk '/^serial/ {print $2}' rev.log)
[ -n "$rev_serial" ] || { echo "setup failed: no serial for Crev"; exit 1; }
server_cert() {  # NAME CN — a self-signed server certificate and its key (mode 0600)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -subj "/CN=$2" -addext subjectAltName=DNS:localhost -days 30 -out "$1.crt" 2>/dev/null &&
    chmod 600 "$1.key"
}
must server_cert first "trustcse reload first"
must server_cert second "trustcse reload second"
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d :; }
fp_first=$(fingerprint first.crt) fp_second=$(fingerprint second.crt)
cp first.crt server.crt && cp first.key server.key && chmod 600 server.key
config() {  # LEVEL [EXTRA…] — the configuration file
  {
    printf '[tls]\nenabled = true\ncert_file = "%s"\nkey_file = "%s"\n' "$dir/server.crt" \
      "$dir/server.key"
    printf '[[tls.listener]]\naddress = "127.0.0.1"\nport = 0\nclient_auth = ["certificate"]\n'
    printf '[log]\nlevel = "%s"\n' "$1"
    shift
    printf '%s\n' "$@"
  } >trustcse.toml
}
config info

# --- a TLS client: one request per line of commands, on one connection ----------------------
# probe.py PORT CERT KEY ORIGIN [CONTROL]: connects, prints "fp <server certificate SHA-256>",
# then sends a GET and prints "rsc <X-M2M-RSC>" (or "refused <why>"); with CONTROL (a fifo) it
# sends another GET on the same connection for every line read from it.
cat >probe.py <<'PY'
import hashlib, socket, ssl, sys
port, cert, key, origin = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE  # the test compares the server certificate's fingerprint
ctx.load_cert_chain(cert, key)
def say(*a):
    print(*a, flush=True)
def request(s, n):
    s.sendall(("GET /cse-in HTTP/1.1\r\nHost: localhost\r\nX-M2M-Origin: %s\r\n"
               "X-M2M-RI: r%d\r\nX-M2M-RVI: 3\r\n\r\n" % (origin, n)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed by the server")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    fields = dict(l.split(": ", 1) for l in head.decode().split("\r\n")[1:])
    length = int(fields.get("Content-Length", "0"))
    while len(body) < length:
        body += s.recv(4096)
    return fields.get("X-M2M-RSC", "none")
try:
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
    say("fp", hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest().upper())
    say("rsc", request(s, 0))
    if len(sys.argv) > 5:
        for n, _ in enumerate(open(sys.argv[5]), 1):
            say("rsc", request(s, n))
except Exception as e:  # a refused certificate shows as an alert on the first read in TLS 1.3
    say("refused", type(e).__name__, e)
PY
# The systemd side of NOTIFY_SOCKET: every datagram, one line each ("\n" within as "|").
cat >notify.py <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    with open(sys.argv[2], "a") as out:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
PY
python3 notify.py "$dir/notify.sock" notify.log >notify.out 2>&1 &
notifier=$!
trap 'kill $notifier 2>/dev/null
      if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
      rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q bound notify.out 2>/dev/null && break; sleep 0.1; done

NOTIFY_SOCKET="$dir/notify.sock" "$bin" serve --config trustcse.toml --db "$dir/db" >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q '^listening https' out 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening https/ {print $3}' out)
[ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }
for _ in $(seq 100); do grep -q 'READY=1' notify.log 2>/dev/null && break; sleep 0.1; done
grep -q '^READY=1' notify.log && pass || fail "no READY=1 after start: $(cat notify.log 2>/dev/null)"
[ -S "$dir/admin.sock" ] && pass || fail "no admin socket beside the database"

probe() { timeout 20 python3 probe.py "$port" "$@"; }
probe dev.crt dev.key Cdev >before
grep -q "^fp $fp_first" before && pass || fail "the first server certificate is not served: $(cat before)"
grep -q '^rsc [0-9]' before && pass || fail "no answer before the reload: $(cat before)"
probe rev.crt rev.key Crev >rev-before
grep -q '^rsc [0-9]' rev-before && pass || fail "Crev refused before its revocation: $(cat rev-before)"
grep -q '\[debug\]' log && fail "debug lines at log level info" || pass

# The long-lived connection: it answers once now and once for each line written to the fifo.
mkfifo control
timeout 120 python3 probe.py "$port" dev.crt dev.key Cdev control >live &  # lives through both reloads
live=$!
exec 3<>control  # read-write: opening does not wait for the reader
for _ in $(seq 100); do grep -q '^rsc' live && break; sleep 0.1; done
grep -q '^rsc [0-9]' live && pass || fail "the long-lived connection did not answer: $(cat live)"

# Replace the certificate files, revoke Crev, lower the log level, change a restart-only
# setting — then SIGHUP.
cp second.crt server.crt && cp second.key server.key
cse ca revoke --serial "$rev_serial" --reason "test: reload" >/dev/null || fail "revoke"
config debug '[limits]' 'max_results = 10'
kill -HUP "$pid"
for _ in $(seq 100); do grep -q 'trustcse: reloaded' log && break; sleep 0.1; done
grep -q 'trustcse: reloaded' log && pass || fail "no 'reloaded' in the log: $(tail -5 log)"
kill -0 "$pid" 2>/dev/null && pass || fail "the server died on SIGHUP"
grep -q 'limits.max_results changed; this needs a restart' log && pass ||
  fail "a restart-only setting was not reported"
grep -q '\[debug\]' log && pass || fail "no debug line after reloading with level debug"

probe dev.crt dev.key Cdev >after
grep -q "^fp $fp_second" after && pass || fail "new handshakes do not get the new certificate: $(cat after)"
grep -q '^rsc [0-9]' after && pass || fail "no answer after the reload: $(cat after)"
probe rev.crt rev.key Crev >rev-after
grep -q '^refused' rev-after && ! grep -q '^rsc' rev-after && pass ||
  fail "the revoked certificate was not refused: $(cat rev-after)"

echo next >&3
for _ in $(seq 100); do [ "$(grep -c '^rsc' live)" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c '^rsc [0-9]' live)" = 2 ] && pass ||
  fail "the connection opened before the reload did not answer after it: $(cat live)"
grep -q "^fp $fp_first" live && pass || fail "the long-lived connection's certificate: $(cat live)"

# A broken configuration: refused, logged, the server goes on with what it runs.
echo '[nosuch]' >>trustcse.toml
kill -HUP "$pid"
for _ in $(seq 100); do grep -q 'reload failed' log && break; sleep 0.1; done
grep -q 'reload failed, the running configuration stays' log && pass ||
  fail "a broken configuration was not reported"
kill -0 "$pid" 2>/dev/null && pass || fail "the server died on a broken configuration"
probe dev.crt dev.key Cdev >broken
grep -q "^fp $fp_second" broken && grep -q '^rsc [0-9]' broken && pass ||
  fail "not serving after a failed reload: $(cat broken)"
echo next >&3
for _ in $(seq 100); do [ "$(grep -c '^rsc' live)" -ge 3 ] && break; sleep 0.1; done
[ "$(grep -c '^rsc [0-9]' live)" = 3 ] && pass || fail "the long-lived connection: $(cat live)"
exec 3>&-
wait $live

grep -q $'\e\[' log && fail "colour escapes in a log that is not a terminal" || pass

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc = 0 ] && pass || fail "SIGTERM after reloads: exit $rc"
[ -e "$dir/admin.sock" ] && fail "the admin socket is left behind" || pass
# READY, then RELOADING with MONOTONIC_USEC and READY for each reload, then STOPPING.
grep -q '^RELOADING=1|.*MONOTONIC_USEC=[0-9]' notify.log && pass ||
  fail "no RELOADING=1 with MONOTONIC_USEC: $(cat notify.log)"
[ "$(grep -c '^READY=1' notify.log)" = 3 ] && pass || fail "READY=1 count: $(cat notify.log)"
tail -1 notify.log | grep -q '^STOPPING=1' && pass || fail "no STOPPING=1 last: $(cat notify.log)"
grep -q 'the last reload failed' notify.log && pass || fail "the failed reload is not in STATUS"

finish reload_test
