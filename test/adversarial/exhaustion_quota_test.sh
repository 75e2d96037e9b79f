#!/usr/bin/env bash
# Attack family: resource exhaustion through the oneM2M interface (issue 11, items 4 and 7) —
# one originator asks for more than its share: discoveries without a limit, non-blocking
# requests that each keep a <request>, resources, bytes, subscriptions and labels without end.
# A python3 keep-alive client drives the server over plain HTTP; the limits are set low in the
# test's configuration so that reaching them is quick:
#   - a discovery or child listing returns at most max_results, with the standard's partial
#     content indication (X-M2M-CTS 1, X-M2M-CTO = where to continue), and continues there;
#   - max_requests_per_originator non-blocking requests are kept, the next gets 5207;
#   - max_resources_per_ae, max_bytes_per_ae, max_subscriptions_per_ae: the next create gets
#     5207, and a deletion makes room again;
#   - more than 64 labels on one resource: 4000.
# Usage: exhaustion_quota_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: exhaustion_quota_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
start_test quota
expect() {  # expect NAME WANT GOT
  [ "$3" = "$2" ] && pass || fail "$1: want $2 got '$3'"
}
cat >cfg.toml <<TOML
[storage]
db = "$dir/db"
[limits]
max_results = 1000
max_answer_bytes = 250000
max_requests_per_originator = 10
max_resources_per_ae = 1600
max_bytes_per_ae = 350000
max_subscriptions_per_ae = 3
TOML
"$bin" serve --config cfg.toml --dev --http-port 0 >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q '^listening http ' out 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening http / {print $3}' out)
[ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }

# m2m.py: one keep-alive connection; each command line prints "RSC CTS CTO COUNT" where COUNT is
# the number of discovered URIs (or -).
cat >m2m.py <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=30)
n = 0
def req(method, path, origin, ty=None, body=None):
    global n
    n += 1
    h = {'X-M2M-Origin': origin, 'X-M2M-RI': str(n), 'X-M2M-RVI': '3'}
    if ty is not None:
        h['Content-Type'] = 'application/json;ty=%d' % ty
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    count = '-'
    try:
        count = len(json.loads(data)['m2m:uril'])
    except Exception:
        pass
    return '%s %s %s %s' % (r.getheader('X-M2M-RSC'), r.getheader('X-M2M-CTS', '-'),
                            r.getheader('X-M2M-CTO', '-'), count)
for line in sys.stdin:
    cmd = line.split()
    if not cmd: continue
    if cmd[0] == 'ae':        # ae ORIGIN RN
        print(req('POST', '/cse-in', cmd[1], 2, json.dumps(
            {'m2m:ae': {'rn': cmd[2], 'api': 'N' + cmd[2], 'rr': True, 'srv': ['3']}})))
    elif cmd[0] == 'cnts':    # cnts ORIGIN PARENT N — N containers; prints the last RSC and how many 2001
        created, last = 0, ''
        for i in range(int(cmd[3])):
            last = req('POST', cmd[2], cmd[1], 3, json.dumps({'m2m:cnt': {}}))
            if last.startswith('2001'): created += 1
        print(created, last.split()[0])
    elif cmd[0] == 'post':    # post ORIGIN PATH TY JSON
        print(req('POST', cmd[2], cmd[1], int(cmd[3]), ' '.join(cmd[4:])))
    elif cmd[0] == 'get':     # get ORIGIN PATH
        print(req('GET', cmd[2], cmd[1]))
    elif cmd[0] == 'delete':  # delete ORIGIN PATH
        print(req('DELETE', cmd[2], cmd[1]))
    sys.stdout.flush()
PY
m2m() { python3 m2m.py "$port"; }

# --- item 4: listings are capped and say so --------------------------------------------------
expect big-ae 2001 "$(echo 'ae Cbig big' | m2m | cut -d' ' -f1)"
expect containers "1500 2001" "$(echo 'cnts Cbig /cse-in/big 1500' | m2m)"
expect discovery-capped "2000 1 1001 1000" "$(echo 'get Cbig /cse-in/big?fu=1&ty=3' | m2m)"
expect discovery-continues "2000 - - 500" "$(echo 'get Cbig /cse-in/big?fu=1&ty=3&ofst=1001' | m2m)"
expect discovery-own-limit "2000 - - 10" "$(echo 'get Cbig /cse-in/big?fu=1&ty=3&lim=10' | m2m)"
expect discovery-limit-above-cap "2000 1 1001 1000" "$(echo 'get Cbig /cse-in/big?fu=1&ty=3&lim=5000' | m2m)"
expect listing-capped "2000 1 1001 -" "$(echo 'get Cbig /cse-in/big?rcn=6' | m2m)"
expect admin-capped-too "2000 1 1001 1000" "$(echo 'get CAdmin /cse-in?fu=1&ty=3' | m2m)"

# --- item 7: resources per AE ------------------------------------------------------------------
expect up-to-the-quota "100 5207" "$(echo 'cnts Cbig /cse-in/big 101' | m2m)"
grep -q 'as many resources as the operator allows' <(
  curl -s -X POST -H 'X-M2M-Origin: Cbig' -H 'X-M2M-RI: q' -H 'X-M2M-RVI: 3' \
    -H 'Content-Type: application/json;ty=3' -d '{"m2m:cnt":{}}' "http://127.0.0.1:$port/cse-in/big") &&
  pass || fail "the refusal does not say which quota"
victim=$(curl -s -H 'X-M2M-Origin: Cbig' -H 'X-M2M-RI: d' -H 'X-M2M-RVI: 3' \
  "http://127.0.0.1:$port/cse-in/big?fu=1&ty=3&lim=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["m2m:uril"][0])')
expect delete-one 2002 "$(echo "delete Cbig /$victim" | m2m | cut -d' ' -f1)"
expect room-again "1 5207" "$(echo 'cnts Cbig /cse-in/big 2' | m2m)"
# Another AE has its own quota.
expect other-ae 2001 "$(printf 'ae Csmall small\npost Csmall /cse-in/small 3 {"m2m:cnt":{"rn":"c"}}\n' | m2m | tail -1 | cut -d' ' -f1)"

# --- subscriptions per AE --------------------------------------------------------------------
subs=$(for i in 1 2 3 4; do
  echo "post Csmall /cse-in/small/c 23 {\"m2m:sub\":{\"rn\":\"s$i\",\"nu\":[\"Csmall\"]}}"
done | m2m | cut -d' ' -f1 | tr '\n' ' ')
expect subscriptions "2001 2001 2001 5207 " "$subs"

# --- bytes per AE (350,000): three contentInstances of 100,000 characters fit, the fourth not ---
big=$(head -c 100000 /dev/zero | tr '\0' 'x')
expect bytes-ae 2001 "$(printf 'ae Cbytes bytes\npost Cbytes /cse-in/bytes 3 {"m2m:cnt":{"rn":"c","mbs":10000000}}\n' | m2m | tail -1 | cut -d' ' -f1)"
cins=$(for i in 1 2 3 4; do echo "post Cbytes /cse-in/bytes/c 4 {\"m2m:cin\":{\"con\":\"$big\"}}"; done |
       m2m | cut -d' ' -f1 | tr '\n' ' ')
expect bytes "2001 2001 2001 5207 " "$cins"
# An answer with whole representations ends at max_answer_bytes (here 250,000): two of the
# three 100,000-character instances, and where to continue.
curl -s -D rcn4.h -o rcn4.json -H 'X-M2M-Origin: Cbytes' -H 'X-M2M-RI: r4' -H 'X-M2M-RVI: 3' \
  "http://127.0.0.1:$port/cse-in/bytes/c?rcn=4"
expect answer-bytes "1 3 2" "$(tr -d '\r' <rcn4.h | awk -F': ' 'tolower($1)=="x-m2m-cts" {c=$2} tolower($1)=="x-m2m-cto" {o=$2} END {printf "%s %s ", c, o}')$(python3 -c 'import json; print(len(json.load(open("rcn4.json"))["m2m:cnt"]["m2m:cin"]))')"

# --- labels ----------------------------------------------------------------------------------
labels() { python3 -c "import json,sys; print(json.dumps({'m2m:cnt': {'lbl': ['l%d' % i for i in range(int(sys.argv[1]))]}}))" "$1"; }
expect labels-64 2001 "$(echo "post Csmall /cse-in/small 3 $(labels 64)" | m2m | cut -d' ' -f1)"
expect labels-65 4000 "$(echo "post Csmall /cse-in/small 3 $(labels 65)" | m2m | cut -d' ' -f1)"
expect labels-10000 4000 "$(echo "post Csmall /cse-in/small 3 $(labels 10000)" | m2m | cut -d' ' -f1)"

# --- non-blocking requests kept per originator -----------------------------------------------
nb=$(for i in $(seq 12); do echo 'get Csmall /cse-in/small?rt=1'; done | m2m | cut -d' ' -f1 | sort | uniq -c |
     awk '{printf "%s:%s ", $2, $1}')
expect non-blocking "1001:10 5207:2 " "$nb"
expect admin-exempt 1001 "$(echo 'get CAdmin /cse-in?rt=1' | m2m | cut -d' ' -f1)"

# --- answers nobody reads (item 4), on the default limits ------------------------------------
# 20 connections ask for every instance of a container (rcn=4, 2,000 instances of 5 kB: 10 MB
# unbounded) and never read. Before the caps the server grew by ~300 MB; now each answer is at
# most max_answer_bytes (2 MiB) and the growth stays far below 150 MB.
kill "$pid"; wait "$pid" 2>/dev/null
: >out
"$bin" serve --dev --http-port 0 --db "$dir/db2" >out 2>log2 &
pid=$!
for _ in $(seq 100); do grep -q '^listening http ' out 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening http / {print $3}' out)
growth=$(python3 - "$port" "$pid" <<'PY'
import http.client, json, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
def rss():
    for l in open('/proc/%d/status' % pid):
        if l.startswith('VmRSS:'): return int(l.split()[1]) // 1024
c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
def req(m, p, ty=None, body=None):
    h = {'X-M2M-Origin': 'Cmem', 'X-M2M-RI': '1', 'X-M2M-RVI': '3'}
    if ty: h['Content-Type'] = 'application/json;ty=%d' % ty
    c.request(m, p, body=body, headers=h); r = c.getresponse(); r.read()
req('POST', '/cse-in', 2, json.dumps({'m2m:ae': {'rn': 'mem', 'api': 'Nm', 'rr': True, 'srv': ['3']}}))
req('POST', '/cse-in/mem', 3, json.dumps({'m2m:cnt': {'rn': 'c', 'mni': 100000, 'mbs': 100000000}}))
con = 'x' * 5000
for i in range(2000):
    req('POST', '/cse-in/mem/c', 4, json.dumps({'m2m:cin': {'con': con}}))
c.close()
time.sleep(1)
before = rss()
socks = []
for i in range(20):
    s = socket.create_connection(('127.0.0.1', port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b'GET /cse-in/mem/c?rcn=4 HTTP/1.1\r\nHost: x\r\nX-M2M-Origin: Cmem\r\n'
              b'X-M2M-RI: m\r\nX-M2M-RVI: 3\r\n\r\n')
    socks.append(s)
time.sleep(4)
print(rss() - before)
for s in socks: s.close()
PY
)
[ -n "$growth" ] && [ "$growth" -lt 150 ] && pass || fail "20 unread answers grew the server by ${growth:-?} MB"
echo "memory growth with 20 unread answers: ${growth:-?} MB"
finish quota
