#!/usr/bin/env bash
# Monitoring as an operator meets it: a server with the monitoring listener on answers /healthz
# and /readyz there and on the admin socket; /metrics parses with the Prometheus text-format
# parser of python3-prometheus-client, and its counters move with the right labels as requests
# are made (a denied request moves the denial counter; failed TLS and DTLS handshakes move the
# handshake counters by reason and are logged at warn with the peer); the monitoring listener
# answers nothing else; the access log writes one JSON line per request; a revocation is logged;
# `trustcse status` prints its summary.
#   metrics_test.sh TRUSTCSE_BIN
bin=$1
. "$(dirname "$0")/lib.sh"
start_test metrics
py=/usr/bin/python3  # Debian's, with python3-prometheus-client
"$py" -c 'import prometheus_client.parser' 2>/dev/null ||
  { echo "setup failed: python3-prometheus-client is not installed (scripts/install-deps.sh --test)"; exit 1; }

mport=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >trustcse.toml <<TOML
[storage]
db = "db.sqlite"
[monitoring]
address = "127.0.0.1"
port = $mport
[log]
access = true
format = "json"
TOML
# TLS too, for the handshake counters: the built-in CA and a PSK credential, made while stopped.
must "$bin" ca init --config trustcse.toml --out ca.pem >/dev/null
psk=$("$bin" credential add --config trustcse.toml --psk-identity dev1 --generate --id Cdev1 |
      awk '$1 == "psk" {print $2}')
must test -n "$psk"
must "$bin" credential add --config trustcse.toml --psk-identity dev2 --generate --id Cdev2 >/dev/null
"$bin" serve --dev --http-port 0 --tls-port 0 --coaps-port 0 --config trustcse.toml >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q '^listening https' out 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening http / {print $3}' out)
tport=$(awk '/^listening https/ {print $3}' out)
cport=$(awk '/^listening coaps/ {print $3}' out)
[ -n "$port" ] && [ -n "$tport" ] && [ -n "$cport" ] || { echo "server did not start"; cat log; exit 1; }
base="http://127.0.0.1:$port" mon="http://127.0.0.1:$mport"
for _ in $(seq 50); do curl -sf "$mon/healthz" >/dev/null && break; sleep 0.1; done

# Liveness and readiness, on the monitoring listener and on the admin socket.
for via in monitoring admin; do
  if [ $via = monitoring ]; then args=() prefix=$mon; else args=(--unix-socket admin.sock) prefix=http://localhost; fi
  out=$(curl -s -w ' %{http_code}' "${args[@]}" "$prefix/healthz")
  if [ "$out" = "ok
 200" ]; then pass; else fail "healthz via $via: $out"; fi
  out=$(curl -s -w ' %{http_code}' "${args[@]}" "$prefix/readyz")
  if echo "$out" | grep -q '"ready":true' && echo "$out" | grep -q '"store":"ok"' &&
     echo "$out" | grep -q "\"http:$port\":\"ok\"" && [ "${out##* }" = 200 ]; then pass
  else fail "readyz via $via: $out"; fi
  code=$(curl -s -o /dev/null -w '%{http_code}' "${args[@]}" "$prefix/metrics")
  if [ "$code" = 200 ]; then pass; else fail "metrics via $via: $code"; fi
done

# The monitoring listener serves these three GETs and nothing else.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$mon/metrics")
if [ "$code" = 405 ]; then pass; else fail "POST /metrics: $code (want 405)"; fi
for path in /v1/status /cse-in /; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$mon$path")
  if [ "$code" = 404 ]; then pass; else fail "GET $path on the monitoring listener: $code (want 404)"; fi
done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 6000 /dev/zero | tr '\0' a)" "$mon/metrics")
if [ "$code" = 431 ]; then pass; else fail "oversized header: $code (want 431)"; fi

# metrics FILE: the scrape, parsed by prometheus_client; prints "name{labels} value" lines.
scrape() {
  curl -s "$mon/metrics" >"$1.txt"
  "$py" - "$1.txt" >"$1" <<'PY' || { echo "FAIL /metrics does not parse: $(cat "$1")"; return 1; }
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
families = list(text_string_to_metric_families(text))
assert families, "no metric families"
for f in families:
    for s in f.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {s.value}")
PY
}
value() {  # value FILE NAME LABELS → the sample's value, 0 if absent
  awk -v k="$2{$3}" '$1 == k {print $2; found=1} END {if (!found) print 0}' "$1"
}

# handshake ARGS… — one TLS 1.2 PSK handshake (and nothing sent).
handshake() {
  echo | timeout 5 openssl s_client -connect "127.0.0.1:$tport" -tls1_2 \
    -cipher PSK-AES128-GCM-SHA256 "$@" >/dev/null 2>&1
}

scrape before || fail "first scrape"
handshake -psk_identity nosuch -psk 00112233445566778899aabbccddeeff
handshake -psk_identity dev1 -psk 00112233445566778899aabbccddeeff
handshake -psk_identity dev1 -psk "$psk"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=stranger \
  -keyout self.key -out self.pem -days 1 2>/dev/null
echo | timeout 5 openssl s_client -connect "127.0.0.1:$tport" -CAfile ca.pem -cert self.pem \
  -key self.key >/dev/null 2>&1
timeout 2 coap-client-openssl -u nosuch -k 00112233445566778899aabbccddeeff -m get \
  "coaps://127.0.0.1:$cport/cse-in" >/dev/null 2>&1
ok='binding="http",operation="retrieve",rsc="2000",ty="0"'
created='binding="http",operation="create",rsc="2001",ty="2"'
denied='binding="http",operation="retrieve",rsc="4106",ty="0"'
h=(-s -o /dev/null -H 'X-M2M-RI: m' -H 'X-M2M-RVI: 3')
for _ in 1 2 3; do curl "${h[@]}" -H 'X-M2M-Origin: CAdmin' "$base/cse-in"; done
curl "${h[@]}" -H 'X-M2M-Origin: Cmetrics' -H 'Content-Type: application/json;ty=2' \
  --data-binary '{"m2m:ae":{"rn":"metrics","api":"Nmetrics","rr":false,"srv":["3"]}}' "$base/cse-in"
curl "${h[@]}" -H 'X-M2M-Origin: Cstranger' "$base/cse-in"
delta() { "$py" -c "print(int(float('$(value after "$@")') - float('$(value before "$@")')))"; }
# The denial counter is an event sink on its own thread: scrape until it has counted.
for _ in $(seq 50); do
  scrape after || break
  [ "$(delta trustcse_security_denials_total 'reason="not_authenticated",step="authn.originator"')" -ge 1 ] && break
  sleep 0.1
done
[ -s after ] || fail "second scrape"
d=$(delta trustcse_requests_total "$ok")
if [ "$d" = 3 ]; then pass; else fail "retrieve 2000 counter moved by $d (want 3)"; fi
d=$(delta trustcse_requests_total "$created")
if [ "$d" = 1 ]; then pass; else fail "create ty=2 2001 counter moved by $d (want 1)"; fi
d=$(delta trustcse_requests_total "$denied")
if [ "$d" = 1 ]; then pass; else fail "retrieve 4106 counter moved by $d (want 1)"; fi
d=$(delta trustcse_security_denials_total 'reason="not_authenticated",step="authn.originator"')
if [ "$d" = 1 ]; then pass; else fail "denial counter moved by $d (want 1): $(grep denials after)"; fi
d=$(delta trustcse_request_duration_seconds_count 'binding="http",operation="retrieve"')
if [ "$d" = 4 ]; then pass; else fail "retrieve latency count moved by $d (want 4)"; fi
d=$(delta trustcse_storage_commits_total '')
if [ "$d" -ge 1 ]; then pass; else fail "storage commits moved by $d (want >= 1)"; fi
for name in trustcse_storage_queue_depth trustcse_storage_batch_size_count \
            trustcse_storage_commit_duration_seconds_count trustcse_http_connections_active \
            trustcse_notifications_sent_total trustcse_notifications_failed_total \
            trustcse_notifications_retried_total process_resident_memory_bytes process_open_fds \
            process_start_time_seconds; do
  if grep -q "^$name{" after; then pass; else fail "metric $name missing"; fi
done
for reason in unknown_psk_identity bad_psk_key key_not_pinned; do
  d=$(delta trustcse_tls_handshake_failures_total "protocol=\"tls\",reason=\"$reason\"")
  if [ "$d" = 1 ]; then pass; else fail "handshake failures $reason moved by $d: $(grep handshake after)"; fi
done
d=$(delta trustcse_tls_handshake_failures_total 'protocol="dtls",reason="unknown_psk_identity"')
if [ "$d" = 1 ]; then pass; else fail "DTLS unknown identity moved by $d: $(grep handshake after)"; fi
d=$(delta trustcse_tls_handshakes_total 'method="psk",protocol="tls"')
if [ "$d" = 1 ]; then pass; else fail "psk handshakes moved by $d (want 1)"; fi
if [ "$(value after process_resident_memory_bytes '')" != 0 ]; then pass
else fail "resident memory is 0"; fi
if grep -q "^trustcse_listener_up{listener=\"http\",port=\"$port\"} 1.0" after; then pass
else fail "listener_up of http: $(grep listener_up after)"; fi

# The access log: one JSON line per request, with the peer, and never the content (written by
# a sink of its own: wait for it).
for _ in $(seq 50); do grep -q '"fr":"Cmetrics"' log && break; sleep 0.1; done
line=$(grep '"logger":"access"' log | grep '"fr":"Cmetrics"' | head -1)
if echo "$line" | "$py" -c 'import json,sys; r=json.loads(sys.stdin.read())["request"]; assert r["peer"]=="127.0.0.1" and r["op"]=="create" and r["rsc"]==2001 and "duration_us" in r' 2>/dev/null; then pass
else fail "access log line: $line"; fi
if grep '"logger":"access"' log | grep -q 'Nmetrics'; then fail "the access log shows request content"; else pass; fi
# Every denial line names the peer.
if grep 'security: deny' log | grep -q 'peer=127.0.0.1'; then pass; else fail "deny line without peer: $(grep 'security: deny' log)"; fi

# Handshake failures are logged at warn with the peer and why.
for why in 'unknown PSK identity' 'bad key for PSK identity' 'key not pinned'; do
  if grep 'warn' log | grep 'handshake failed' | grep 'peer=127.0.0.1' | grep -qF "$why"; then pass
  else fail "no handshake warning for: $why"; fi
done
# Revocations are logged at info, through the running server.
must "$bin" credential revoke dev2 --config trustcse.toml --reason lost >/dev/null
for _ in $(seq 50); do grep -q 'credential.revoked' log && break; sleep 0.1; done
if grep 'info' log | grep -q 'event: credential.revoked source=credentials .*target=dev2'; then pass
else fail "revocation not logged: $(grep -i revok log)"; fi

# trustcse status, through the admin socket.
out=$("$bin" status --config trustcse.toml 2>&1); rc=$?
for want in "trustcse [0-9]+\.[0-9]+\.[0-9]+" "uptime: " "listeners: .*http 127.0.0.1:$port" \
            "https 127.0.0.1:$tport" "coaps 127.0.0.1:$cport" \
            "monitoring 127.0.0.1:$mport" "store: .*db.sqlite \(" "connections: [0-9]+ open" \
            "requests: +[0-9]+ served" "denials: +[1-9]"; do
  if [ $rc -eq 0 ] && echo "$out" | grep -Eq "$want"; then pass; else fail "status: want /$want/ (rc=$rc): $out"; fi
done
out=$("$bin" status --db "$dir/elsewhere/db.sqlite" 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q 'no server answers'; then pass; else fail "status without a server: rc=$rc $out"; fi

# The sample Grafana dashboard (dist/) asks only for series this server exports.
scrape final || fail "last scrape"
dashboard=$(dirname "${BASH_SOURCE[0]}")/../../dist/grafana-dashboard.json
names=$("$py" -c 'import json,re,sys
d = json.load(open(sys.argv[1]))
print("\n".join(sorted({m for p in d["panels"] for t in p.get("targets", [])
                         for m in re.findall(r"\b(?:trustcse|process)_[a-z_]+", t["expr"])})))' "$dashboard")
[ -n "$names" ] && pass || fail "no metric names in $dashboard"
for n in $names; do
  if grep -q "^$n{" final; then pass; else fail "the dashboard's $n is not in /metrics"; fi
done

finish metrics_test
