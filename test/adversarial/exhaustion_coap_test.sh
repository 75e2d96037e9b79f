#!/usr/bin/env bash
# Adversarial: CoAP resource exhaustion (issue 11, item 8a/8b). Raw datagrams from python3
# (sources on 127.0.0.0/8 addresses of their own) against the real server (plain CoAP, --dev):
#   - 100 sources each open a Block1 transfer claiming Size1 900000 and abandon it after 32
#     blocks: the server's VmRSS and VmData grow by less than 20 MB, and the transfers beyond
#     the budget are refused 5.03 (libcoap alone allocated every claimed Size1, unbounded, and
#     kept it for minutes);
#   - a body claimed or sent beyond the body limit is 4.13 with Size1 at once;
#   - a block of a transfer that never started is 4.08; ordinary requests still get answers;
#   - the budget comes back once incomplete transfers expire (block1_expiry_ms, short here);
#   - incomplete transfers beyond one address's budget, then beyond the global budget, are
#     refused 5.03 with Max-Age;
#   - 2,000 unsolicited RSTs and 500 malformed datagrams produce at most a handful of log lines,
#     and nothing on stderr that is not in the log's format.
# Usage: exhaustion_coap_test.sh path/to/trustcse path/to/coap_client_shim.so
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:?usage: exhaustion_coap_test.sh path/to/trustcse path/to/shim.so}
shim=${2:?usage: exhaustion_coap_test.sh path/to/trustcse path/to/shim.so}
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
start_test exhaustion-coap

# Small budgets so that the test reaches them quickly; defaults in trustcse.toml.
cat >cse.toml <<'TOML'
[coap]
block1_total_bytes = 1048576
block1_peer_bytes = 262144
block1_expiry_ms = 4000
TOML
"$bin" serve --config cse.toml --db "$dir/db" --dev --http-port 0 --coap-port 0 >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q '^listening coap ' out 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening coap / {print $3}' out)
[ -n "$port" ] || { echo "server did not start"; cat log out; exit 1; }

PYTHONPATH="$here" python3 - "$port" "$pid" >results <<'PY'
import socket, struct, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
def mem(field):  # kB, from /proc/<pid>/status
    for l in open('/proc/%d/status' % pid):
        if l.startswith(field + ':'): return int(l.split()[1])
from coap_wire import encode, parse, uint
mid = 0
def sock(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    s.settimeout(5)
    return s
def send(s, code, opts, payload=b'', kind=0, wait=True):
    global mid
    mid = (mid + 1) & 0xffff
    tok = struct.pack('>H', mid) if kind == 0 else b''
    d = bytes([0x40 | kind << 4 | len(tok), code]) + struct.pack('>H', mid) + tok + encode(opts)
    if payload: d += b'\xff' + payload
    s.sendto(d, ('127.0.0.1', port))
    if not wait: return None
    try:
        while True:
            t, c, o = parse(s.recvfrom(65536)[0])
            if t == 'ACK' and c == '0.00': continue
            return c, o
    except socket.timeout:
        return 'none', {}
def block(s, path, num, more, size1=None, data=b'x' * 1024):
    opts = [(11, p.encode()) for p in path.split('/')] + [(271, b'3'), (279, b'Cattacker'),
            (283, b'r%d' % num), (267, uint(4)), (12, uint(50)), (27, uint(num << 4 | more << 3 | 6))]
    if size1 is not None: opts.append((60, uint(size1)))
    return send(s, 2, opts, data)
def get(s):
    return send(s, 1, [(11, b'cse-in'), (271, b'3'), (279, b'CAdmin'), (283, b'g')])[0]
def out(*a): print(*a, flush=True)

warm = sock('127.0.0.1')
out('warm', get(warm))
time.sleep(0.5)
base_rss, base_data = mem('VmRSS'), mem('VmData')
# 100 sources, 32 blocks each of a body that claims 900000 bytes, then silence.
codes = {}
for i in range(100):
    s = sock('127.0.10.%d' % (i + 1))
    for n in range(32):
        c = block(s, 'cse-in/t%d' % i, n, 1, size1=900000 if n == 0 else None)[0]
        codes[c] = codes.get(c, 0) + 1
        if c != '2.31': break
    s.close()
time.sleep(0.5)
out('abandoned', ' '.join('%s=%d' % kv for kv in sorted(codes.items())))
out('abandoned-refused', codes.get('5.03', 0))
out('rss-growth-kb', mem('VmRSS') - base_rss)
out('data-growth-kb', mem('VmData') - base_data)

# Beyond the body limit: claimed (Size1) or sent (a block past 1 MiB).
s = sock('127.0.20.1')
c, o = block(s, 'cse-in/huge', 0, 1, size1=2 << 20)
out('claim-too-large', c, int.from_bytes(o.get(60, b''), 'big'))
c, o = block(s, 'cse-in/huge2', 1100, 1)
out('block-too-large', c, int.from_bytes(o.get(60, b''), 'big'))
# Out of order: a middle block of a transfer that never started.
out('out-of-order', block(s, 'cse-in/never', 5, 1)[0])
out('reads-while-full', get(s))

# Whatever the abandoned transfers left of the global budget, one more address takes (within
# its own budget); then a fresh address is refused, until the abandoned transfers expire (4 s).
s = sock('127.0.40.1')
for n in range(1, 400):
    if block(s, 'cse-in/fill%d' % n, 0, 1)[0] != '2.31': break
s = sock('127.0.40.2')
out('fresh-address-full', block(s, 'cse-in/z', 0, 1)[0])
out('fresh-address-reads', get(s))
back = None
for _ in range(40):
    time.sleep(0.5)
    if block(s, 'cse-in/z', 0, 1)[0] == '2.31':
        back = True
        break
out('after-expiry', '2.31' if back else 'still-refused')

# One address opens transfers until its budget (262144 bytes) is full.
s = sock('127.0.30.1')
n, last, o = 0, None, {}
for n in range(1, 400):
    last, o = block(s, 'cse-in/p%d' % n, 0, 1)
    if last != '2.31': break
out('peer-budget', last, n, int.from_bytes(o.get(14, b''), 'big'))
out('peer-still-reads', get(s))
# More addresses until the global budget (1 MiB) is full: then a new address is refused at once.
refused_at = None
for a in range(2, 12):
    s = sock('127.0.30.%d' % a)
    for n in range(1, 400):
        last = block(s, 'cse-in/q%d' % n, 0, 1)[0]
        if last != '2.31': break
    if last == '5.03' and n == 1:
        refused_at = a
        break
out('global-budget', 'refused-new-address' if refused_at else 'never-refused')
PY
cat results

want() {  # want NAME FIELD VALUE
  local got
  got=$(awk -v n="$1" -v f="$2" '$1 == n {print $f}' results)
  [ "$got" = "$3" ] && pass || fail "$1: field $2 want '$3' got '$got' ($(grep "^$1 " results))"
}
want warm 2 2.05
for m in rss data; do
  growth=$(awk -v n="$m-growth-kb" '$1 == n {print $2}' results)
  [ -n "$growth" ] && [ "$growth" -lt 20480 ] && pass ||
    fail "100 abandoned Block1 transfers grew $m by ${growth:-?} kB (limit 20480)"
done
refused=$(awk '$1 == "abandoned-refused" {print $2}' results)
[ "${refused:-0}" -gt 0 ] && pass || fail "no abandoned transfer refused beyond the budget: $(grep '^abandoned ' results)"
want claim-too-large 2 4.13
want claim-too-large 3 1048576
want block-too-large 2 4.13
want block-too-large 3 1048576
want out-of-order 2 4.08
want reads-while-full 2 2.05
want fresh-address-full 2 5.03
want fresh-address-reads 2 2.05
want after-expiry 2 2.31
want peer-budget 2 5.03
n=$(awk '$1 == "peer-budget" {print $3}' results)
[ "${n:-0}" -gt 10 ] && pass || fail "one address refused after ${n:-?} transfers: its own budget is not what refused it"
maxage=$(awk '$1 == "peer-budget" {print $4}' results)
[ -n "$maxage" ] && [ "$maxage" -ge 1 ] && pass || fail "5.03 without Max-Age: $(grep ^peer-budget results)"
want peer-still-reads 2 2.05
want global-budget 2 refused-new-address

# --- libcoap's log lines: 2,000 RSTs and 500 malformed datagrams -----------------------------
before=$(wc -l <log)
python3 - "$port" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2000):  # unsolicited RSTs (RFC 7252 §4.2): nothing to match them
    s.sendto(bytes([0x70, 0]) + struct.pack('>H', i), ('127.0.0.1', port))
for i in range(500):   # a CON GET whose option header uses the reserved nibble 15
    s.sendto(bytes([0x40, 1]) + struct.pack('>H', 0x8000 + i) + b'\xf1x', ('127.0.0.1', port))
PY
sleep 2
LD_PRELOAD=$shim timeout 20 coap-client-notls -v 6 -m get -O 271,3 -O 279,CAdmin -O 283,9 \
  "coap://127.0.0.1:$port/cse-in" >client.out 2>&1
grep -q '2\.05' client.out && pass || fail "coap-client after the flood: $(tail -3 client.out)"
after=$(wc -l <log)
lines=$((after - before))
echo "log lines during the flood: $lines"
[ "$lines" -le 20 ] && pass || fail "2,500 bad datagrams wrote $lines log lines: $(sed -n "$((before + 1)),$((before + 5))p" log)"
# Everything on stderr is spdlog's: "[date time] [trustcse] [level] message".
stray=$(grep -cvE '^\[[0-9-]+ [0-9:.]+\] \[trustcse\] \[[a-z]+\] ' log)
[ "$stray" -eq 0 ] && pass || fail "$stray stderr lines outside the log format: $(grep -vE '^\[[0-9-]+ [0-9:.]+\] \[trustcse\] \[[a-z]+\] ' log | head -3)"
kill -0 "$pid" 2>/dev/null && pass || fail "server died"

finish exhaustion_coap_test
