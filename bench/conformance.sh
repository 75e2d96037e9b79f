#!/usr/bin/env bash
# bench/conformance.sh [BUILD_DIR] — what the conformance features cost on one trustcse:
#   1. creating a contentInstance blocking (rt=3) versus non-blocking synch (rt=1: the <request>
#      record is made durable before the 1001 answer, the operation and its result follow) and
#      non-blocking asynch without targets (rt=2, X-M2M-RTU empty), at 1 and 16 in flight;
#   2. notifications delivered per second to an AE that polls its <pollingChannel> (one device,
#      one long poll at a time on one keep-alive connection, each request answered before the
#      next poll) versus pushed to an AE's HTTP point of access (keep-alive connections). The
#      receivers are small Python programs (a threading HTTP server; one thread that polls and
#      answers); the contentInstances are created by load_driver on 8 connections.
# Builds nothing: BUILD_DIR (default "build") must contain src/trustcse and bench/load_driver.
# Environment: BENCH_DURATION (s, default 5), BENCH_WARMUP (s, default 1), BENCH_NOTIFICATIONS
# (default 2000). Prints figures only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
CSE=$BUILD/src/trustcse LD=$BUILD/bench/load_driver
DUR=${BENCH_DURATION:-5} WARM=${BENCH_WARMUP:-1} N=${BENCH_NOTIFICATIONS:-2000}
for b in "$CSE" "$LD"; do [[ -x $b ]] || { echo "conformance.sh: $b not found" >&2; exit 2; }; done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trustcse-conformance.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT
cd "$TMP"
"$CSE" serve --dev --db "$TMP/db" --http-port 0 --log-level warn >out 2>log &
PIDS+=($!)
for _ in $(seq 100); do grep -q '^listening http ' out 2>/dev/null && break; sleep 0.1; done
HTTP=$(awk '/^listening http / {print $3}' out)
[[ -n $HTTP ]] || { echo "conformance.sh: trustcse did not start" >&2; cat log >&2; exit 1; }
H=(--header 'X-M2M-RVI: 3' --header 'X-M2M-RI: b{n}' --header 'X-M2M-Origin: Cbench')
setup() { "$LD" --port "$HTTP" --requests 1 "${H[@]}" "$@" >/dev/null; }
setup --method POST --path /cse-in --header 'Content-Type: application/json;ty=2' \
  --body '{"m2m:ae":{"rn":"bench","api":"Nb","rr":true,"srv":["3"]}}'
setup --method POST --path /cse-in/bench --header 'Content-Type: application/json;ty=3' \
  --body '{"m2m:cnt":{"rn":"data","mni":100000000}}'

echo "== trustcse conformance-features benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) CPUs; closed loop, ${WARM}s warm-up + ${DUR}s; durable creates (fsync)"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
printf '%-34s %6s %10s %9s %9s %8s %7s\n' 'create contentInstance' in-flight rate p50_us p99_us vs_rt3 errors
for c in 1 16; do
  base=
  for mode in rt3 rt1 rt2; do
    path=/cse-in/bench/data extra=()
    case $mode in
      rt1) path="$path?rt=1" ;;
      rt2) path="$path?rt=2"; extra=(--header 'X-M2M-RTU: ') ;;
    esac
    l=$("$LD" --port "$HTTP" --connections $c --duration "$DUR" --warmup "$WARM" "${H[@]}" "${extra[@]}" \
      --method POST --path "$path" --header 'Content-Type: application/json;ty=4' \
      --body '{"m2m:cin":{"con":"21.5"}}')
    rate=$(field rps "$l")
    [[ -z $base ]] && base=$rate
    case $mode in
      rt3) name='blocking (rt=3)' ;;
      rt1) name='non-blocking synch (rt=1)' ;;
      rt2) name='non-blocking asynch (rt=2, no rtu)' ;;
    esac
    printf '%-34s %6s %10.0f %9s %9s %8s %7s\n' "$name" "$c" "$rate" "$(field p50_us "$l")" \
      "$(field p99_us "$l")" "$(awk -v a="$rate" -v b="$base" 'BEGIN{printf "%.2f", a/b}')" \
      "$(( $(field errors "$l") + $(field io_errors "$l") ))"
  done
done

# 2. Notifications: N contentInstances created in a container both receivers subscribe to in
# turn; the rate is N over the time from the first create to the last notification received.
python3 - "$HTTP" "$N" "$LD" <<'PY'
import http.client, http.server, json, socket, subprocess, sys, threading, time
port, n, ld = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rqi = [0]
def req(conn, method, path, origin, body=None, ty=None, extra=()):
    rqi[0] += 1
    h = {"X-M2M-Origin": origin, "X-M2M-RI": "r%d" % rqi[0], "X-M2M-RVI": "3", "Accept": "application/json"}
    if body is not None:
        h["Content-Type"] = "application/json" + (";ty=%d" % ty if ty else "")
    h.update(extra)
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=h)
    r = conn.getresponse()
    data = r.read()
    return int(r.getheader("X-M2M-RSC", "0")), (json.loads(data) if data else None)
def produce(container):
    # n creates from 8 connections at once (load_driver), as Cbench.
    subprocess.run([ld, "--port", str(port), "--requests", str(n), "--connections", "8",
                    "--method", "POST", "--path", container,
                    "--header", "X-M2M-Origin: Cbench", "--header", "X-M2M-RI: p{n}",
                    "--header", "X-M2M-RVI: 3", "--header", "Content-Type: application/json;ty=4",
                    "--body", '{"m2m:cin":{"con":"{n}"}}'], check=True, stdout=subprocess.DEVNULL)
def connect():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def allow_notifications(c, name, aei):
    # The subscriber (Cbench) needs the NOTIFY privilege on the receiving AE.
    rsc, acp = req(c, "POST", "/cse-in/" + name, aei, {"m2m:acp": {"rn": "acp",
        "pv": {"acr": [{"acor": ["Cbench"], "acop": 16}, {"acor": [aei], "acop": 63}]},
        "pvs": {"acr": [{"acor": [aei], "acop": 63}]}}}, 1)
    assert rsc == 2001, (rsc, acp)
    rsc, _ = req(c, "PUT", "/cse-in/" + name, aei, {"m2m:ae": {"acpi": [acp["m2m:acp"]["ri"]]}})
    assert rsc == 2004, rsc

def run(name, device_body, receive):
    c = connect()
    rsc, ae = req(c, "POST", "/cse-in", "C" + name, {"m2m:ae": dict(device_body, rn=name, api="Nd", srv=["3"])}, 2)
    assert rsc == 2001, (rsc, ae)
    aei = ae["m2m:ae"]["aei"]
    allow_notifications(c, name, aei)
    got, done = [0], threading.Event()
    stop = receive(aei, name, got, done)
    rsc, _ = req(c, "POST", "/cse-in/bench", "Cbench", {"m2m:cnt": {"rn": "c" + name}}, 3)
    assert rsc == 2001, rsc
    rsc, body = req(c, "POST", "/cse-in/bench/c" + name, "Cbench",
                    {"m2m:sub": {"nu": [aei], "enc": {"net": [3]}}}, 23)
    assert rsc == 2001, (rsc, body)
    while got[0] < 1: time.sleep(0.001)  # the verification request
    got[0] = 0
    start = time.monotonic()
    produce("/cse-in/bench/c" + name)
    ok = done.wait(120)
    secs = time.monotonic() - start
    stop()
    return (n / secs if ok else 0.0), got[0]

def poller(aei, name, got, done):
    c = connect()
    rsc, _ = req(c, "POST", "/cse-in/" + name, aei, {"m2m:pch": {"rn": "pch"}}, 15)
    assert rsc == 2001, rsc
    running = [True]
    def loop():
        pc = connect()
        while running[0]:
            rsc, body = req(pc, "GET", "/cse-in/%s/pch/pcu" % name, aei, extra={"X-M2M-RET": "1000"})
            if rsc != 2000: continue
            rqp = body["m2m:rqp"]
            got[0] += 1  # before answering: the verification's answer ends the subscribe
            if got[0] >= n and not rqp["pc"]["m2m:sgn"].get("vrq"): done.set()
            req(pc, "POST", "/cse-in/%s/pch/pcu" % name, aei,
                {"m2m:rsp": {"rsc": 2000, "rqi": rqp["rqi"], "rvi": "3"}})
    t = threading.Thread(target=loop, daemon=True); t.start()
    return lambda: running.__setitem__(0, False)

class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("X-M2M-RSC", "2000"); self.send_header("Content-Length", "0"); self.end_headers()
        with lock: Sink.got[0] += 1
        if Sink.got[0] >= n + (0 if Sink.verified[0] else 1): Sink.done.set()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer.request_queue_size = 1024
http.server.ThreadingHTTPServer.daemon_threads = True
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
lock = threading.Lock()
threading.Thread(target=srv.serve_forever, daemon=True).start()
sink_url = "http://127.0.0.1:%d/n" % srv.server_address[1]

poll_rate, poll_n = run("poller", {"rr": False}, poller)
# Pushed: the sink counts from the first create on (the verification comes before).
Sink.got, Sink.done, Sink.verified = [0], threading.Event(), [True]
def push_run():
    c = connect()
    rsc, ae = req(c, "POST", "/cse-in", "Cpushed", {"m2m:ae": {"rn": "pushed", "api": "Nd", "srv": ["3"], "rr": True, "poa": [sink_url]}}, 2)
    assert rsc == 2001, rsc
    aei = ae["m2m:ae"]["aei"]
    allow_notifications(c, "pushed", aei)
    rsc, _ = req(c, "POST", "/cse-in/bench", "Cbench", {"m2m:cnt": {"rn": "cpushed"}}, 3)
    rsc, body = req(c, "POST", "/cse-in/bench/cpushed", "Cbench", {"m2m:sub": {"nu": [aei], "enc": {"net": [3]}}}, 23)
    assert rsc == 2001, (rsc, body)
    Sink.got[0] = 0
    start = time.monotonic()
    produce("/cse-in/bench/cpushed")
    ok = Sink.done.wait(120)
    return (n / (time.monotonic() - start) if ok else 0.0), Sink.got[0]
push_rate, push_n = push_run()
print()
print("%-34s %10s %10s %8s" % ("notifications (%d, 8 producers)" % n, "delivered", "rate", "vs_push"))
print("%-34s %10d %10.0f %8.2f" % ("pushed to the AE's poa (HTTP)", push_n, push_rate, 1.0))
print("%-34s %10d %10.0f %8.2f" % ("through its pollingChannel", poll_n, poll_rate, poll_rate / push_rate if push_rate else 0))
PY
