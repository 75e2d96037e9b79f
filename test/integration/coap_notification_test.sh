#!/usr/bin/env bash
# Black-box test of notifications to coap:// and coaps:// targets (egress/coap): small libcoap
# receivers on 127.0.0.1 (test/integration/coap_receiver) log what they get and answer 2.04 with
# oneM2M-RSC 2000.
#   - a subscription whose nu is a coap:// receiver is verified (a POST with vrq, from the CSE,
#     JSON content format, to the URL's path) and then notified of a new contentInstance;
#   - a coaps:// receiver with the CSE's pre-shared key ([egress] coap_psk_identity,
#     coap_psk_key_file) is verified over DTLS and sees the CSE's PSK identity;
#   - a coaps:// receiver with another key never completes the handshake: the subscription
#     fails with 5204 and the receiver gets nothing.
# Usage: coap_notification_test.sh path/to/trustcse path/to/coap_receiver
set -uo pipefail
bin=${1:?usage: coap_notification_test.sh path/to/trustcse path/to/coap_receiver}
receiver_bin=${2:?usage: coap_notification_test.sh path/to/trustcse path/to/coap_receiver}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test coap-notification
receivers=()
trap 'for p in $pid "${receivers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
expect() {  # expect NAME WANT GOT
  [ "$3" = "$2" ] && pass || fail "$1: want $2 got '$3'"
}
receiver() {  # receiver NAME [psk KEY] — not in a subshell: the trap must know the pid
  : >"$1.log"
  "$receiver_bin" "$dir/$1.log" "${@:2}" >"$1.port" 2>"$1.err" &
  receivers+=($!)
  for _ in $(seq 50); do [ -s "$1.port" ] && break; sleep 0.1; done
  [ -s "$1.port" ] || { echo "receiver $1 did not start"; cat "$1.err"; exit 1; }
}
wait_for() {  # wait_for FILE PATTERN — up to 5 s
  for _ in $(seq 50); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
req() {  # req RI TY PATH BODY — a create as Ccs; prints the RSC
  curl -s -D "h.$1" -o "b.$1" -X POST -H 'X-M2M-Origin: Ccs' -H "X-M2M-RI: $1" \
    -H 'X-M2M-RVI: 3' -H "Content-Type: application/json;ty=$2" -d "$4" \
    "http://127.0.0.1:$port$3"
  rsc_of "h.$1"
}
subscribe() {  # subscribe NAME URL — prints the RSC of a subscription with nu URL
  req "$1" 23 /cse-in/cs/c "{\"m2m:sub\":{\"rn\":\"$1\",\"nu\":[\"$2\"],\"enc\":{\"net\":[3]}}}"
}

psk=coap-egress-key-0001
receiver plain
receiver good psk "$psk"
receiver bad psk other-key-0002

printf %s "$psk" | od -An -tx1 | tr -d ' \n' >psk.hex
chmod 600 psk.hex
printf '[storage]\ndb = "%s/db"\n[notification]\ntimeout_ms = 2000\nattempts = 1\n[egress]\ncoap_psk_identity = "cse@trustcse.local"\ncoap_psk_key_file = "%s/psk.hex"\n' \
  "$dir" "$dir" >cfg.toml
"$bin" serve --config cfg.toml --dev --http-port 0 >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q '^listening http ' out 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening http / {print $3}' out)
[ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }
must test "$(req 1 2 /cse-in '{"m2m:ae":{"rn":"cs","api":"Ncs","rr":true,"srv":["3"]}}')" = 2001
must test "$(req 2 3 /cse-in/cs '{"m2m:cnt":{"rn":"c"}}')" = 2001

# Plain CoAP: verification, then a notification.
expect verified 2001 "$(subscribe s1 "coap://127.0.0.1:$(cat plain.port)/notify")"
grep -q 'vrq.*true' plain.log && pass || fail "no verification request: $(cat plain.log)"
grep -q '"method":2,"path":"/notify","fr":"/id-in"' plain.log && pass ||
  fail "verification not a POST from the CSE to /notify: $(cat plain.log)"
grep -q '"cf":"50"' plain.log && pass || fail "no JSON Content-Format: $(cat plain.log)"
expect cin-created 2001 "$(req 10 4 /cse-in/cs/c '{"m2m:cin":{"con":"over-coap"}}')"
wait_for plain.log 'over-coap' && pass || fail "no notification of the contentInstance: $(cat plain.log)"

# DTLS with the CSE's pre-shared key.
expect psk-verified 2001 "$(subscribe s2 "coaps://127.0.0.1:$(cat good.port)/n")"
grep -q '"identity":"cse@trustcse.local"' good.log && pass || fail "no PSK identity: $(cat good.log)"
expect cin-created-2 2001 "$(req 11 4 /cse-in/cs/c '{"m2m:cin":{"con":"over-dtls"}}')"
wait_for good.log 'over-dtls' && pass || fail "no notification over DTLS: $(cat good.log)"

# Another key: the handshake never completes, the subscription is refused.
expect wrong-psk-refused 5204 "$(subscribe s3 "coaps://127.0.0.1:$(cat bad.port)/n")"
[ -s bad.log ] && fail "the receiver with another key got a request" || pass

# An unsupported scheme in nu is refused the same way.
expect unsupported-scheme 5204 "$(subscribe s4 "ws://127.0.0.1:1/n")"
finish coap-notification
