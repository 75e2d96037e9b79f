#!/usr/bin/env bash
# Adversarial: CoAP framing (issue 11, items 5 and 8c). Raw datagrams from python3 against the
# real server (plain CoAP, --dev):
#   - a repeated non-repeatable critical option (two oneM2M-FR, two -RQI, two Uri-Host, two
#     Accept) is 4.02 Bad Option (RFC 7252 §5.4.5), not "the last one wins";
#   - a repeated elective option (Content-Format) is ignored, not refused;
#   - a request datagram larger than libcoap takes in one PDU (1.3 kB, and 3 kB — beyond its
#     receive buffer) without Block1 is answered 4.13 with a Block1 hint and Size1, not a bare RST;
#   - the server still answers ordinary requests (coap-client) afterwards.
# Usage: framing_coap_test.sh path/to/trustcse path/to/coap_client_shim.so
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:?usage: framing_coap_test.sh path/to/trustcse path/to/shim.so}
shim=${2:?usage: framing_coap_test.sh path/to/trustcse path/to/shim.so}
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
start_test framing-coap

"$bin" serve --db "$dir/db" --dev --http-port 0 --coap-port 0 >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q '^listening coap ' out 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening coap / {print $3}' out)
[ -n "$port" ] || { echo "server did not start"; cat log out; exit 1; }

# Each case: NAME EXPECTED-CODE; prints "NAME CODE TYPE RSC SIZE1 BLOCK1" per answer.
PYTHONPATH="$here" python3 - "$port" >results <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
from coap_wire import encode, parse, uint
mid = 0x1000
def send(name, code, opts, payload=b''):
    global mid
    mid += 1
    tok = struct.pack('>I', mid)
    dgram = bytes([0x40 | len(tok), code]) + struct.pack('>H', mid) + tok + encode(opts)
    if payload: dgram += b'\xff' + payload
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(dgram, ('127.0.0.1', port))
    answer = 'none - - - -'
    try:
        while True:
            t, c, o = parse(s.recvfrom(65536)[0])
            if t == 'ACK' and c == '0.00': continue  # empty ACK: a separate response follows
            rsc = int.from_bytes(o.get(307, b''), 'big') if 307 in o else '-'
            size1 = int.from_bytes(o[60], 'big') if 60 in o else '-'
            block1 = o[27].hex() if 27 in o else '-'
            answer = '%s %s %s %s %s' % (c, t, rsc, size1, block1)
            break
    except socket.timeout:
        pass
    print(name, answer, flush=True)
target = [(11, b'cse-in')]
base = [(271, b'3')]
fr, rqi = (279, b'CAdmin'), (283, b'r1')
send('baseline', 1, target + base + [fr, rqi])
send('two-fr', 1, target + base + [(279, b'Cnobody'), fr, rqi])
send('two-rqi', 1, target + base + [fr, (283, b'r1'), (283, b'r2')])
send('two-uri-host', 1, [(3, b'a.example'), (3, b'127.0.0.1')] + target + base + [fr, rqi])
send('two-accept', 1, target + base + [fr, rqi, (17, uint(50)), (17, uint(50))])
send('two-content-format', 1, target + base + [fr, rqi, (12, uint(50)), (12, uint(60))])
body = b'{"m2m:ae":{"rn":"big","api":"Nbig","rr":false,"srv":["3"],"lbl":["%s"]}}'
ae = [(267, uint(2)), (12, uint(50))]
send('oversize-1300', 2, target + base + [(279, b'Cbig'), rqi] + ae, body % (b'x' * 1200))
send('oversize-3000', 2, target + base + [(279, b'Cbig'), rqi] + ae, body % (b'x' * 2900))
send('after', 1, target + base + [fr, rqi])
PY
cat results

# want NAME CODE [TYPE]: the answer's CoAP code (and message type).
want() {
  local line
  line=$(grep "^$1 " results)
  [ "$(echo "$line" | awk '{print $2}')" = "$2" ] && pass || fail "$1: want $2, got: ${line#* }"
}
want baseline 2.05
want two-fr 4.02
want two-rqi 4.02
want two-uri-host 4.02
want two-accept 4.02
want two-content-format 2.05
for n in oversize-1300 oversize-3000; do
  want "$n" 4.13
  # RFC 7959 §2.9.3: Size1 says how large a body may be, Block1 which block size to use.
  line=$(grep "^$n " results)
  [ "$(echo "$line" | awk '{print $5}')" = 1048576 ] && pass || fail "$n: no Size1 1048576: $line"
  [ "$(echo "$line" | awk '{print $6}')" != - ] && pass || fail "$n: no Block1 hint: $line"
  [ "$(echo "$line" | awk '{print $4}')" = 4000 ] && pass || fail "$n: no oneM2M-RSC 4000: $line"
done
want after 2.05

# An ordinary client still gets its answers.
LD_PRELOAD=$shim timeout 20 coap-client-notls -v 6 -m get -O 271,3 -O 279,CAdmin -O 283,9 \
  "coap://127.0.0.1:$port/cse-in" >client.out 2>&1
grep -q '2\.05' client.out && pass || fail "coap-client after the attack: $(tail -3 client.out)"
kill -0 "$pid" 2>/dev/null && pass || fail "server died"

finish framing_coap_test
