#!/usr/bin/env bash
# Black-box test of the MQTT binding (TS-0010) against a real mosquitto broker started here,
# configured as docs/mqtt.md says (per-client passwords, a topic ACL that lets a client publish
# requests only under its own name): mosquitto_pub/mosquitto_sub as the AE register, create a
# container and contentInstances (JSON and CBOR), read them back, receive a notification over
# MQTT; refusals: an originator that does not match the topic (4106), another client's topic
# (dropped by the broker), malformed primitives and CBOR (4000).
# Usage: mqtt_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: mqtt_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test mqtt
broker=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi;
      if [ -n "$broker" ]; then kill "$broker" 2>/dev/null; wait "$broker" 2>/dev/null; fi;
      rm -rf "$dir"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
touch passwd && chmod 600 passwd
for u in id-in:csepass Cmeter:meterpass Cother:otherpass; do
  must mosquitto_passwd -b passwd "${u%%:*}" "${u#*:}"
done
cat >acl <<'ACL'
user id-in
topic read /oneM2M/req/+/id-in/+
topic read /oneM2M/resp/id-in/+/+
topic write /oneM2M/resp/+/id-in/+
topic write /oneM2M/req/id-in/+/+
pattern write /oneM2M/req/%u/+/+
pattern read /oneM2M/resp/%u/+/+
pattern read /oneM2M/req/+/%u/+
pattern write /oneM2M/resp/+/%u/+
ACL
cat >mosquitto.conf <<CONF
listener $port 127.0.0.1
allow_anonymous false
password_file $dir/passwd
acl_file $dir/acl
CONF
[ "$(id -u)" = 0 ] && echo "user root" >>mosquitto.conf
mosquitto -c mosquitto.conf >broker.log 2>&1 &
broker=$!
for _ in $(seq 50); do grep -q "running" broker.log 2>/dev/null && break; sleep 0.1; done
printf 'csepass\n' >cse.pw && chmod 600 cse.pw
cat >cfg.toml <<TOML
[storage]
db = "$dir/db"
[mqtt]
enabled = true
port = $port
username = "id-in"
password_file = "$dir/cse.pw"
TOML
"$bin" serve --config cfg.toml >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q "mqtt: connected" log 2>/dev/null && break; sleep 0.1; done
grep -q "mqtt: connected" log || { echo "trustcse did not connect"; cat log broker.log; exit 1; }

M=(-p "$port" -u Cmeter -P meterpass)
# req NAME WANT PAYLOAD [json|cbor] — a request from Cmeter; checks the response's rsc.
req() {
  local name=$1 want=$2 payload=$3 kind=${4:-json}
  mosquitto_sub "${M[@]}" -t "/oneM2M/resp/Cmeter/id-in/$kind" -C 1 -W 10 >"$name.rsp" 2>/dev/null &
  local sub=$!
  sleep 0.3
  if [ "$kind" = cbor ]; then
    mosquitto_pub "${M[@]}" -t "/oneM2M/req/Cmeter/id-in/cbor" -f "$payload"
  else
    mosquitto_pub "${M[@]}" -t "/oneM2M/req/Cmeter/id-in/json" -m "$payload"
  fi
  wait $sub
  local got
  if [ "$kind" = cbor ]; then
    got=$(od -An -tx1 "$name.rsp" | tr -d ' \n' | grep -o '63727363[0-9a-f]*' | head -1)  # "rsc"…
    got=${got:8:6}  # 19 xx xx: a two-byte unsigned integer
    [ "${got:0:2}" = 19 ] && got=$((16#${got:2:4})) || got=
  else
    got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rsc"])' "$name.rsp" 2>/dev/null)
  fi
  [ "$got" = "$want" ] && pass || fail "$name: want $want got '$got': $(head -c 300 "$name.rsp")"
}

req register 2001 '{"op":1,"to":"cse-in","fr":"Cmeter","rqi":"1","rvi":"3","ty":2,"pc":{"m2m:ae":{"rn":"meter","api":"Nm","rr":true,"srv":["3"],"poa":["mqtt://127.0.0.1"]}}}'
req container 2001 '{"op":1,"to":"cse-in/meter","fr":"Cmeter","rqi":"2","rvi":"3","ty":3,"pc":{"m2m:cnt":{"rn":"kwh"}}}'
req subscribe 2001 '{"op":1,"to":"cse-in/meter/kwh","fr":"Cmeter","rqi":"3","rvi":"3","ty":23,"pc":{"m2m:sub":{"rn":"s","nu":["Cmeter"],"enc":{"net":[3]}}}}'
# The notification of the next create arrives on Cmeter's request topic.
mosquitto_sub "${M[@]}" -t "/oneM2M/req/id-in/Cmeter/json" -C 1 -W 10 >notify.json 2>/dev/null &
notify=$!
sleep 0.3
req cin 2001 '{"op":1,"to":"cse-in/meter/kwh","fr":"Cmeter","rqi":"4","rvi":"3","ty":4,"pc":{"m2m:cin":{"con":"17.5"}}}'
wait $notify
python3 - notify.json <<'PY' && pass || fail "notification over MQTT: $(cat notify.json)"
import json, sys
n = json.load(open(sys.argv[1]))
assert n["op"] == 5 and n["to"] == "Cmeter" and n["fr"] == "/id-in"
assert n["pc"]["m2m:sgn"]["nev"]["rep"]["m2m:cin"]["con"] == "17.5"
PY
req read-la 2000 '{"op":2,"to":"cse-in/meter/kwh/la","fr":"Cmeter","rqi":"5","rvi":"3"}'
grep -q '"con":"17.5"' read-la.rsp && pass || fail "la over MQTT: $(cat read-la.rsp)"
req discovery 2000 '{"op":2,"to":"cse-in/meter","fr":"Cmeter","rqi":"6","rvi":"3","fc":{"fu":1,"ty":[4]}}'
grep -q 'm2m:uril' discovery.rsp && pass || fail "discovery over MQTT"
# CBOR: {"op":1,"to":"cse-in/meter/kwh","fr":"Cmeter","rqi":"7","ty":4,"pc":{"m2m:cin":{"con":"cb"}}}
python3 - <<'PY'
def enc(v):
    def head(major, n):
        if n < 24: return bytes([major << 5 | n])
        if n < 256: return bytes([major << 5 | 24, n])
        return bytes([major << 5 | 25, n >> 8, n & 255])
    if isinstance(v, int): return head(0, v)
    if isinstance(v, str):
        b = v.encode(); return head(3, len(b)) + b
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(enc(k) + enc(x) for k, x in v.items())
open("cin.cbor", "wb").write(enc({"op": 1, "to": "cse-in/meter/kwh", "fr": "Cmeter", "rqi": "7",
                                  "rvi": "3", "ty": 4, "pc": {"m2m:cin": {"con": "cb"}}}))
open("bad.cbor", "wb").write(enc({"op": 1, "to": "cse-in"})[:-3])
PY
req cbor-create 2001 cin.cbor cbor
req cbor-malformed 4000 bad.cbor cbor
# Refusals.
req claims-another 4106 '{"op":2,"to":"cse-in/meter","fr":"Cother","rqi":"8","rvi":"3"}'
req no-op 4000 '{"to":"cse-in","fr":"Cmeter","rqi":"9"}'
req not-json 4000 '{"op":2,'
req bad-fc 4000 '{"op":2,"to":"cse-in/meter","fr":"Cmeter","rqi":"10","rvi":"3","fc":{"nope":1}}'
# Cother publishing on Cmeter's topic is dropped by the broker: no answer at all.
mosquitto_sub "${M[@]}" -t "/oneM2M/resp/Cmeter/id-in/json" -C 1 -W 3 >spoof.rsp 2>/dev/null &
sub=$!
sleep 0.3
mosquitto_pub -p "$port" -u Cother -P otherpass -t /oneM2M/req/Cmeter/id-in/json \
  -m '{"op":4,"to":"cse-in/meter","fr":"Cmeter","rqi":"11","rvi":"3"}' 2>/dev/null
wait $sub
[ ! -s spoof.rsp ] && pass || fail "another client's topic was served: $(cat spoof.rsp)"
req still-there 2000 '{"op":2,"to":"cse-in/meter","fr":"Cmeter","rqi":"12","rvi":"3"}'
grep -q "step=authn.channel originator=Cother" log && pass || fail "no security event for 4106"
grep -q csepass log && fail "the broker password is in the log" || pass

finish mqtt_test
