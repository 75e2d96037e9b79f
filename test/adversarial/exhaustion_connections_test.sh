#!/usr/bin/env bash
# Connection exhaustion and crash attacks on the HTTP listeners (issue 11, items 3, 6, 9), with a
# raw socket client (python3), curl and openssl:
#   3  more idle connections than descriptors (`ulimit -n 256`), and descriptors running out
#      under a live server (its limit lowered): the log stays small (accept backs off, the
#      connection cap sits below the descriptor limit) and requests are served again afterwards.
#   6  the per-source cap (plain and TLS), a TLS connection that never handshakes, a header sent
#      a byte at a time (slowloris), a body that never completes, an idle keep-alive connection,
#      the requests-per-connection limit.
#   9  SIGTERM with a TLS listener exits 0; a port or the admin socket already in use at start-up
#      exits 1 with one clear line (no segfault).
# Every wait is bounded; timing checks are one-sided with wide margins.
# Usage: exhaustion_connections_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: exhaustion_connections_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
start_test exhaustion
servers=()
trap 'for p in $pid "${servers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT

cat >conn.py <<'EOF'
import resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
cmd, port = sys.argv[1], int(sys.argv[2])
REQ = (b"GET /cse-in HTTP/1.1\r\nHost: localhost\r\nX-M2M-Origin: CAdmin\r\n"
       b"X-M2M-RI: x\r\nX-M2M-RVI: 3\r\n\r\n")

def connect():
    return socket.create_connection(("127.0.0.1", port), timeout=5)

def closed_by_peer(s, wait):
    """True if the server closes `s` within `wait` seconds (EOF or reset)."""
    s.settimeout(wait)
    try:
        return s.recv(65536) == b""
    except socket.timeout:
        return False
    except OSError:
        return True

def response(s):
    """One response: (status, lowercased headers), or None if the connection closed first."""
    buf = b""
    s.settimeout(10)
    try:
        while b"\r\n\r\n" not in buf:
            c = s.recv(65536)
            if not c:
                return None
            buf += c
    except OSError:
        return None
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    h = {l.partition(":")[0].strip().lower(): l.partition(":")[2].strip() for l in lines[1:]}
    n = int(h.get("content-length", "0"))
    while len(rest) < n:
        c = s.recv(65536)
        if not c:
            break
        rest += c
    return int(lines[0].split(" ")[1]), h

def seconds_until_closed(s, limit=20):
    t0 = time.time()
    while time.time() - t0 < limit:
        if closed_by_peer(s, 0.25):
            return time.time() - t0
    return -1

if cmd == "hold":        # hold PORT N SECONDS: N idle connections for SECONDS
    n, secs = int(sys.argv[3]), float(sys.argv[4])
    socks = []
    for _ in range(n):
        try:
            socks.append(connect())
        except OSError:
            break
    print("held", len(socks), flush=True)
    time.sleep(secs)
    for s in socks:
        s.close()
elif cmd == "answered":  # answered PORT N: open N at once, then a request on each
    socks = [connect() for _ in range(int(sys.argv[3]))]
    ok = 0
    for s in socks:
        try:
            s.sendall(REQ)
            r = response(s)
            ok += r is not None and r[0] == 200
        except OSError:
            pass
    print(ok)
elif cmd == "refused-quickly":  # refused-quickly PORT N WAIT: how many are closed within WAIT s
    socks = [connect() for _ in range(int(sys.argv[3]))]
    t0, wait = time.time(), float(sys.argv[4])
    open_ = list(socks)
    while time.time() - t0 < wait:
        open_ = [s for s in open_ if not closed_by_peer(s, 0.05)]
    print(len(socks) - len(open_), flush=True)
    # then: how long the rest stay (the handshake timeout), from when all were open
    never = any(seconds_until_closed(s) < 0 for s in open_)
    print(-1 if never else "%.1f" % (time.time() - t0))
elif cmd == "slowloris":  # a header one byte every 0.2 s
    s = connect()
    s.sendall(b"GET /cse-in HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
    t0 = time.time()
    while time.time() - t0 < 20:
        try:
            s.sendall(b"a")
        except OSError:
            break
        if closed_by_peer(s, 0.2):
            break
    print("%.1f" % (time.time() - t0) if time.time() - t0 < 20 else -1)
elif cmd == "slowbody":  # a body that stops after 10 of 100 bytes
    s = connect()
    s.sendall(b"POST /cse-in HTTP/1.1\r\nHost: localhost\r\nX-M2M-Origin: CAdmin\r\nX-M2M-RI: b\r\n"
              b"X-M2M-RVI: 3\r\nContent-Type: application/json;ty=3\r\nContent-Length: 100\r\n\r\n"
              b"{\"m2m:cnt\"")
    print("%.1f" % seconds_until_closed(s))
elif cmd == "idle":      # one request, then nothing
    s = connect()
    s.sendall(REQ)
    r = response(s)
    print("%.1f" % seconds_until_closed(s) if r and r[0] == 200 else "no-response")
elif cmd == "maxreq":    # N+1 requests on one connection: Connection of each response
    s, out = connect(), []
    for _ in range(int(sys.argv[3]) + 1):
        try:
            s.sendall(REQ)
        except OSError:
            out.append("closed")
            break
        r = response(s)
        if r is None:
            out.append("closed")
            break
        out.append(r[1].get("connection", "keep-alive"))
    print(" ".join(out))
elif cmd == "nofile":    # nofile PID SOFT: lower (or restore) a process's soft descriptor limit
    pid, soft = port, int(sys.argv[3])
    h = resource.prlimit(pid, resource.RLIMIT_NOFILE)[1]
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, h))
EOF
conn() { timeout 60 python3 conn.py "$@"; }

# serve NAME KIND [ULIMIT] ARGS… — a server in $dir/NAME (its own database and admin socket);
# waits for its "listening KIND" line; sets $spid and $sport.
serve() {
  local name=$1 kind=$2 lim=$3
  shift 3
  mkdir -p "$name"
  (ulimit -n "$lim" && exec "$bin" serve --db "$dir/$name/db" "$@") >"$name/out" 2>"$name/log" &
  spid=$!
  servers+=("$spid")
  for _ in $(seq 150); do grep -q "^listening $kind " "$name/out" 2>/dev/null && break; sleep 0.1; done
  sport=$(awk -v k="$kind" '$1 == "listening" && $2 == k {print $3; exit}' "$name/out")
  [ -n "$sport" ] || { echo "server $name did not start"; cat "$name/log"; exit 1; }
}
ok_request() {
  local got
  got=$(curl -s -o /dev/null -D - --max-time 15 -H 'X-M2M-Origin: CAdmin' -H 'X-M2M-RI: ok' \
    -H 'X-M2M-RVI: 3' "http://127.0.0.1:$1/cse-in" | tr -d '\r' |
    awk -F': ' 'tolower($1)=="x-m2m-rsc" {print $2}')
  [ "$got" = 2000 ] && pass || fail "$2: a normal request got '$got'"
}
# stop PID NAME — SIGTERM, bounded wait; the exit status must be 0.
stop() {
  kill -TERM "$1"
  for _ in $(seq 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  wait "$1"
  local rc=$?
  [ "$rc" = 0 ] && pass || fail "$2: exit status $rc on SIGTERM (139 = segfault)"
}
# refuses_to_start NAME WHAT ARGS… — the server exits 1 within 30 s, naming WHAT in one line.
refuses_to_start() {
  local name=$1 what=$2 rc
  shift 2
  mkdir -p "$name"
  timeout 30 "$bin" serve --db "$dir/$name/db" "$@" >"$name/out" 2>"$name/log"
  rc=$?
  [ "$rc" = 1 ] && pass || fail "$name: exit status $rc, want 1 (139 = segfault): $(tail -3 "$name/log")"
  [ "$(grep -c "$what" "$name/log")" = 1 ] && pass || fail "$name: no one line saying '$what': $(cat "$name/log")"
  [ "$(grep -ciE 'critical|error' "$name/log")" = 1 ] && pass ||
    fail "$name: want exactly one error line: $(cat "$name/log")"
}

# --- 3: more idle connections than descriptors ------------------------------------------------
serve fd http 256 --dev --http-port 0
fdpid=$spid fdport=$sport
grep -q 'max_connections 10000 lowered to 192' fd/log && pass ||
  fail "the connection cap is not kept below the descriptor limit: $(cat fd/log)"
conn hold "$fdport" 400 4 >fd/hold
[ "$(awk '{print $2}' fd/hold)" = 400 ] && pass || fail "the client could not open 400: $(cat fd/hold)"
lines=$(wc -l <fd/log)
[ "$lines" -lt 200 ] && pass || fail "$lines log lines while 400 connections were held (accept spins)"
kill -0 "$fdpid" 2>/dev/null && pass || fail "the server died holding 400 connections"
ok_request "$fdport" "after 400 idle connections closed"

# Descriptors run out below the cap (the limit lowered under the running server): accept fails
# with EMFILE and must back off instead of spinning.
nfd=$(ls "/proc/$fdpid/fd" | wc -l)
before=$(wc -l <fd/log)
conn nofile "$fdpid" $((nfd + 4))
conn hold "$fdport" 60 4 >fd/hold2
conn nofile "$fdpid" 256
lines=$(($(wc -l <fd/log) - before))
[ "$lines" -lt 20 ] && pass || fail "$lines log lines in 4 s of EMFILE (accept spins)"
grep -q 'accept failed: Too many open files; retrying in' fd/log && pass ||
  fail "no (rate-limited) EMFILE line: $(tail -5 fd/log)"
ok_request "$fdport" "after descriptors freed"
stop "$fdpid" fd

# --- 6: bounds of the plain listener ----------------------------------------------------------
cat >bounds.toml <<'EOF'
[http]
max_connections_per_source = 8
header_timeout_ms = 2000
body_timeout_ms = 2000
idle_timeout_ms = 2000
max_requests_per_connection = 3
EOF
serve bounds http 1024 --dev --http-port 0 --config bounds.toml
bpid=$spid bport=$sport
got=$(conn answered "$bport" 12)
[ "$got" = 8 ] && pass || fail "per-source cap 8: $got of 12 connections served"
grep -q 'refused a connection from 127.0.0.1' bounds/log && pass || fail "per-source refusal not logged"
# The places are given back when connections close.
for _ in $(seq 10); do got=$(conn answered "$bport" 8); [ "$got" = 8 ] && break; sleep 0.5; done
[ "$got" = 8 ] && pass || fail "after closing, only $got of 8 connections served"
got=$(conn slowloris "$bport")
awk -v t="$got" 'BEGIN {exit !(t >= 1 && t <= 12)}' && pass ||
  fail "slowloris header (timeout 2 s) held for $got s (-1: never closed)"
got=$(conn slowbody "$bport")
awk -v t="$got" 'BEGIN {exit !(t >= 1 && t <= 12)}' && pass ||
  fail "incomplete body (timeout 2 s) held for $got s"
got=$(conn idle "$bport")
awk -v t="$got" 'BEGIN {exit !(t >= 1 && t <= 12)}' && pass ||
  fail "idle keep-alive connection (timeout 2 s) held for $got s"
got=$(conn maxreq "$bport" 3)
[ "$got" = "keep-alive keep-alive close closed" ] && pass ||
  fail "3 requests per connection: got '$got'"
ok_request "$bport" "bounds"

# --- 9: a port or the admin socket in use ------------------------------------------------------
refuses_to_start plainport "port $bport on 127.0.0.1 is in use: stop the other process or set \[http\] port" \
  --dev --http-port "$bport"

# --- 6 and 9 with TLS -------------------------------------------------------------------------
for n in tls tlsport admin; do mkdir -p "$n"; must "$bin" ca init --db "$dir/$n/db" --out "$n/ca.pem" >/dev/null; done
cat >tls.toml <<'EOF'
[http]
max_connections_per_source = 4
handshake_timeout_ms = 3000
EOF
serve tls https 1024 --tls-port 0 --config tls.toml
tpid=$spid tport=$sport
conn refused-quickly "$tport" 6 2 >tls/refused
[ "$(head -1 tls/refused)" = 2 ] && pass ||
  fail "TLS per-source cap 4: $(head -1 tls/refused) of 6 closed at once, want 2"
t=$(tail -1 tls/refused)
awk -v t="$t" 'BEGIN {exit !(t >= 2 && t <= 15)}' && pass ||
  fail "connections that never handshake (timeout 3 s) held for $t s (-1: not closed)"
refuses_to_start tlsport "port $tport on 127.0.0.1 is in use: stop the other process or set \[\[tls.listener\]\] port" \
  --tls-port "$tport"
printf '[admin]\nsocket = "%s"\n' "$dir/tls/admin.sock" >admin.toml
refuses_to_start admin "admin socket .*: stop the other server or set \[admin\] socket" \
  --tls-port 0 --config admin.toml
# The running server is unharmed by all that, and shuts down cleanly.
echo | timeout 10 openssl s_client -connect "127.0.0.1:$tport" -CAfile tls/ca.pem \
  -servername localhost >tls/sclient 2>&1
grep -q 'BEGIN CERTIFICATE\|Server certificate' tls/sclient && pass || fail "TLS listener gone: $(tail -3 tls/sclient)"
stop "$tpid" tls
stop "$bpid" bounds
servers=()
finish exhaustion_connections
