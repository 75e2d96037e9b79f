#!/usr/bin/env bash
# HTTP framing attacks (issue 11, item 5) with a raw socket client: request smuggling through a
# Transfer-Encoding whose last coding is not chunked (`xchunked`, `chunked, identity`), a coding
# the server does not decode (`gzip, chunked`), Transfer-Encoding with Content-Length, and
# single-value headers given twice (two X-M2M-Origin: before, the first won). Each refusal must
# be the usual oneM2M error (X-M2M-RSC, m2m:dbg), close the connection, and leave the smuggled
# request unexecuted (the container it would create does not exist). Chunked alone still works.
# Usage: framing_http_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: framing_http_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
start_test framing

# raw.py PORT — sends stdin on one connection, reads until the server closes it (or 4 s), then
# prints one line per response ("<status> <X-M2M-RSC> <Connection> <body>") and CLOSED or OPEN.
cat >raw.py <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
buf, state, deadline = b"", "OPEN", time.time() + 4
s.settimeout(0.25)
while time.time() < deadline:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        continue
    except OSError:
        state = "CLOSED"
        break
    if not chunk:
        state = "CLOSED"
        break
    buf += chunk
while b"\r\n\r\n" in buf:
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        fields[k.strip().lower()] = v.strip()
    n = int(fields.get("content-length", "0"))
    body, buf = rest[:n], rest[n:]
    print(lines[0].split(" ")[1], fields.get("x-m2m-rsc", "-"), fields.get("connection", "-"),
          body.decode("latin-1"))
print(state)
EOF

"$bin" serve --dev --http-port 0 --db "$dir/db" >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q '^listening http' out 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening http/ {print $3}' out)
[ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }

send() { printf '%b' "$1" | python3 raw.py "$port"; }
# rsc_at PATH — the X-M2M-RSC of a GET by the admin (4004: the resource does not exist).
rsc_at() {
  curl -s -o /dev/null -D - --max-time 10 -H 'X-M2M-Origin: CAdmin' -H 'X-M2M-RI: c' \
    -H 'X-M2M-RVI: 3' "http://127.0.0.1:$port$1" | tr -d '\r' |
    awk -F': ' 'tolower($1)=="x-m2m-rsc" {print $2}'
}
cnt() { printf '{"m2m:cnt":{"rn":"%s"}}' "$1"; }
H='Host: localhost\r\nX-M2M-Origin: CAdmin\r\nX-M2M-RI: f\r\nX-M2M-RVI: 3\r\n'

# refused NAME WANT_RSC WANT_HTTP OUTPUT [CONTAINER…] — the first response is the refusal, it is
# the only one, the connection is closed, the m2m:dbg names the problem, and no CONTAINER exists.
refused() {
  local name=$1 rsc=$2 http=$3 got=$4 first
  shift 4
  first=$(head -1 <<<"$got")
  [[ $first == "$http $rsc "* ]] && pass || fail "$name: want $http/$rsc first, got: $got"
  [[ $first == *'"m2m:dbg"'* ]] && pass || fail "$name: the refusal carries no m2m:dbg: $first"
  [ "$(grep -c '^[0-9]' <<<"$got")" = 1 ] && pass || fail "$name: more than one response: $got"
  [ "$(tail -1 <<<"$got")" = CLOSED ] && pass || fail "$name: the connection stays open"
  for c in "$@"; do
    [ "$(rsc_at "/cse-in/$c")" = 4004 ] && pass || fail "$name: the refused (or smuggled) request ran: $c exists"
  done
}

# --- the last transfer coding is not chunked: the "body" is a second request ----------------
n=0
for te in xchunked 'chunked, identity' 'identity' 'chunked;q=1' 'chunked, chunked'; do
  c="sm$((++n))"
  got=$(send "GET /cse-in HTTP/1.1\r\n${H}Transfer-Encoding: $te\r\n\r\n$(post CAdmin /cse-in 3 "$(cnt "$c")")")
  refused "te '$te'" 4000 400 "$got" "$c"
done
# Two Transfer-Encoding fields whose last is not chunked.
got=$(send "GET /cse-in HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: xchunked\r\n\r\n$(post CAdmin /cse-in 3 "$(cnt sm10)")")
refused "te chunked + te xchunked" 4000 400 "$got" sm10

# --- gzip, chunked: well framed, but a coding the server does not decode: 501 and closed ----
body=$(cnt gz1)
got=$(send "POST /cse-in HTTP/1.1\r\n${H}Content-Type: application/json;ty=3\r\nTransfer-Encoding: gzip, chunked\r\n\r\n$(printf '%x' ${#body})\r\n$body\r\n0\r\n\r\n$(post CAdmin /cse-in 3 "$(cnt sm11)")")
refused "te 'gzip, chunked'" 5001 501 "$got" gz1 sm11

# --- Transfer-Encoding with Content-Length, in both orders ------------------------------------
inner=$(post CAdmin /cse-in 3 "$(cnt sm12)")
got=$(send "GET /cse-in HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n\r\n$inner")
refused "te xchunked + cl" 4000 400 "$got" sm12
inner=$(post CAdmin /cse-in 3 "$(cnt sm13)")
got=$(send "POST /cse-in HTTP/1.1\r\n${H}Content-Type: application/json;ty=3\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$inner")
refused "cl + te chunked" 4000 400 "$got" sm13
inner=$(post CAdmin /cse-in 3 "$(cnt sm14)")
got=$(send "POST /cse-in HTTP/1.1\r\n${H}Content-Type: application/json;ty=3\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n$inner")
refused "te chunked + cl" 4000 400 "$got" sm14

# --- single-value headers given twice ---------------------------------------------------------
# dup NAME HEADER-LINES — a create of container NAME whose header block carries HEADER-LINES.
dup() {
  local name=$1 lines=$2 b
  b=$(cnt "$name")
  send "POST /cse-in HTTP/1.1\r\n${lines}Content-Length: ${#b}\r\n\r\n$b"
}
base='Host: localhost\r\nX-M2M-RI: d\r\nX-M2M-RVI: 3\r\nContent-Type: application/json;ty=3\r\n'
got=$(dup dup1 "${base}X-M2M-Origin: Cstranger\r\nX-M2M-Origin: CAdmin\r\n")
refused "two X-M2M-Origin (stranger first)" 4000 400 "$got" dup1
[[ $got == *"duplicate header X-M2M-Origin"* ]] && pass || fail "dbg does not name X-M2M-Origin: $got"
got=$(dup dup2 "${base}X-M2M-Origin: CAdmin\r\nX-M2M-Origin: Cstranger\r\n")
refused "two X-M2M-Origin (admin first)" 4000 400 "$got" dup2
got=$(dup dup3 "${base}x-m2m-origin: CAdmin\r\nX-M2M-ORIGIN: CAdmin\r\n")
refused "two X-M2M-Origin (same value, other case)" 4000 400 "$got" dup3
o='X-M2M-Origin: CAdmin\r\n'
i=3
for extra in 'X-M2M-RI: d2' 'X-M2M-RVI: 3' 'Content-Type: application/json;ty=3' 'Host: evil' \
             'X-M2M-RTU: http://127.0.0.1:1' 'X-M2M-RET: 20991231T000000' \
             'X-M2M-RST: 20991231T000000' 'Content-Length'; do
  c="dup$((++i))"
  # A second Content-Length with the same value (Beast refuses differing ones by itself).
  [ "$extra" = Content-Length ] && b=$(cnt "$c") && extra="Content-Length: ${#b}"
  # Fields the base block lacks come twice here.
  [[ $base == *"${extra%%:*}:"* ]] || extra="${extra}\r\n${extra}"
  got=$(dup "$c" "${base}${o}${extra}\r\n")
  refused "duplicate ${extra%%:*}" 4000 400 "$got" "$c"
done

# --- what must keep working -------------------------------------------------------------------
body=$(cnt ok1)
got=$(send "POST /cse-in HTTP/1.1\r\n${H}Content-Type: application/json;ty=3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n$(printf '%x' ${#body})\r\n$body\r\n0\r\n\r\n")
[[ $(head -1 <<<"$got") == "201 2001 "* ]] && pass || fail "chunked alone: want 2001, got $got"
[ "$(rsc_at /cse-in/ok1)" = 2000 ] && pass || fail "the chunked create is not there"
# Two pipelined requests on one keep-alive connection (the second closes it).
got=$(send "GET /cse-in HTTP/1.1\r\n${H}\r\nGET /cse-in/ok1 HTTP/1.1\r\n${H}Connection: close\r\n\r\n")
[ "$(grep -c '^200 2000 ' <<<"$got")" = 2 ] && pass || fail "pipelined requests: $got"
# Accept may come more than once (a list, not a single value).
got=$(send "GET /cse-in HTTP/1.1\r\n${H}Accept: application/json\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
[[ $(head -1 <<<"$got") == "200 2000 "* ]] && pass || fail "two Accept headers: $got"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] && pass || fail "server exit status $rc"
finish framing_http
