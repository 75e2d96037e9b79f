#!/usr/bin/env bash
# Black-box test of the CoAP binding (TS-0008) with libcoap's coap-client, plain and over DTLS:
# register an AE, create a container and a contentInstance, read it back (JSON and CBOR), a
# payload large enough for block-wise transfer both ways; DTLS with a PSK, a certificate of the
# built-in CA and a pinned key, bound to the originator like TLS; refusals: a wrong DTLS key, an
# originator that does not match the DTLS identity, malformed oneM2M options, malformed CBOR.
# coap-client runs with the shim that makes it accept oneM2M's critical response options
# (tools/coap_client_shim). Usage: coap_test.sh path/to/trustcse path/to/shim.so
set -uo pipefail
bin=${1:?usage: coap_test.sh path/to/trustcse path/to/shim.so}
shim=${2:?usage: coap_test.sh path/to/trustcse path/to/shim.so}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test coap
cse() { "$bin" "$@" --db "$dir/db"; }

must cse ca init --out ca.pem
# coap-client takes PSKs as text: the key is the bytes of this string.
key=coap-device-key-0001
must cse credential add --psk-identity meter@trustcse.local --psk "$(printf %s "$key" | od -An -tx1 | tr -d ' \n')" \
  --id Cmeter >/dev/null
must cse ca issue --id Ccam --generate --key-out cam.key --out cam.crt 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout pin.key \
  -subj /CN=pinned -days 30 -out pin.crt 2>/dev/null
must cse credential add --pinned-key pin.crt --id Cpin >/dev/null

"$bin" serve --db "$dir/db" --dev --http-port 0 --coap-port 0 --coaps-port 0 --coaps-cert-port 0 \
  >out 2>log &
pid=$!
for _ in $(seq 100); do [ "$(grep -c '^listening coap' out 2>/dev/null)" = 3 ] && break; sleep 0.1; done
plain=$(awk '/^listening coap / {print $3}' out)
psk_port=$(awk '/^listening coaps/ {print $3}' out | sed -n 1p)
cert_port=$(awk '/^listening coaps/ {print $3}' out | sed -n 2p)
[ -n "$cert_port" ] || { echo "server did not start"; cat log out; exit 1; }

# c NAME WANT_RSC CLIENT-ARGS… URI — one coap-client request; checks the oneM2M-RSC option.
c() {
  local name=$1 want=$2; shift 2
  LD_PRELOAD=$shim timeout 20 "$@" >"$name.out" 2>&1
  local got
  got=$(grep -o '307:\\x[0-9A-F][0-9A-F]\\x[0-9A-F][0-9A-F]' "$name.out" | tail -1 |
        sed 's/307:\\x\(..\)\\x\(..\)/\1\2/')
  got=${got:+$((16#$got))}
  if [ "$want" = no-answer ]; then
    [ -z "$got" ] && pass || fail "$name: expected no answer, got RSC $got"
  elif [ "$got" = "$want" ]; then
    pass
  else
    fail "$name: want RSC $want got '${got}': $(tail -3 "$name.out")"
  fi
}
O=(-v 6 -O 271,3)  # oneM2M-RVI; -v 6 prints the response with its options
ae() { printf '{"m2m:ae":{"rn":"%s","api":"N%s","rr":false,"srv":["3"]}}' "$1" "$1"; }

# --- plain CoAP (development) ---------------------------------------------------------------
P="coap://127.0.0.1:$plain"
c cb 2000 coap-client-notls "${O[@]}" -m get -O 279,CAdmin -O 283,1 "$P/cse-in"
c register 2001 coap-client-notls "${O[@]}" -m post -O 279,Cplain -O 283,2 -O 267,0x0002 -t 50 \
  -e "$(ae plain)" "$P/cse-in"
grep -q 'Location-Path:Cplain' register.out && pass || fail "no Location-Path: $(cat register.out)"
c container 2001 coap-client-notls "${O[@]}" -m post -O 279,Cplain -O 283,3 -O 267,0x0003 -t 50 \
  -e '{"m2m:cnt":{"rn":"t"}}' "$P/cse-in/plain"
c cin 2001 coap-client-notls "${O[@]}" -m post -O 279,Cplain -O 283,4 -O 267,0x0004 -t 50 \
  -e '{"m2m:cin":{"con":"21.5"}}' "$P/cse-in/plain/t"
c la 2000 coap-client-notls "${O[@]}" -m get -O 279,Cplain -O 283,5 "$P/cse-in/plain/t/la"
grep -q '"con":"21.5"' la.out && pass || fail "la content: $(cat la.out)"
c discovery 2000 coap-client-notls "${O[@]}" -m get -O 279,Cplain -O 283,6 \
  "$P/cse-in/plain?fu=1&ty=4"
grep -q 'm2m:uril' discovery.out && pass || fail "discovery: $(tail -1 discovery.out)"
# ~ and _ addressing
c sp-relative 2000 coap-client-notls "${O[@]}" -m get -O 279,Cplain -O 283,7 "$P/~/id-in/cse-in/plain"
# CBOR in and out: {"m2m:cin":{"con":"cbor!"}} as content format 60; read back with Accept 60.
printf '\xa1\x67m2m:cin\xa1\x63con\x65cbor!' >cin.cbor
c cbor-create 2001 coap-client-notls "${O[@]}" -m post -O 279,Cplain -O 283,8 -O 267,0x0004 -t 60 \
  -f cin.cbor "$P/cse-in/plain/t"
c cbor-read 2000 coap-client-notls "${O[@]}" -m get -O 279,Cplain -O 283,9 -A 60 "$P/cse-in/plain/t/la"
grep -q 'Content-Format:application/cbor' cbor-read.out && grep -q 'cbor!' cbor-read.out && pass ||
  fail "CBOR read: $(tail -1 cbor-read.out)"
printf '\xa1\x67m2m:cin\xa1\x63con' >bad.cbor
c cbor-malformed 4000 coap-client-notls "${O[@]}" -m post -O 279,Cplain -O 283,10 -O 267,0x0004 \
  -t 60 -f bad.cbor "$P/cse-in/plain/t"
# A payload larger than one block, both ways (Block1 on the create, Block2 on the read).
head -c 3000 /dev/zero | tr '\0' 'x' >big.txt
printf '{"m2m:cin":{"con":"%s"}}' "$(cat big.txt)" >big.json
c block1 2001 coap-client-notls "${O[@]}" -b 64 -m post -O 279,Cplain -O 283,11 -O 267,0x0004 -t 50 \
  -f big.json "$P/cse-in/plain/t"
grep -q 'Block1' block1.out && pass || fail "no Block1 transfer"
LD_PRELOAD=$shim timeout 20 coap-client-notls -b 64 -m get -O 271,3 -O 279,Cplain -O 283,12 \
  "$P/cse-in/plain/t/la" >block2.out 2>&1
grep -q "$(cat big.txt)" block2.out && pass || fail "block-wise read lost data ($(wc -c <block2.out) bytes)"
# Malformed options and requests.
c bad-ty 4000 coap-client-notls "${O[@]}" -m post -O 279,Cplain -O 283,13 -O 267,0x000000 -t 50 \
  -e '{"m2m:cnt":{}}' "$P/cse-in/plain"
c bad-rqet 4000 coap-client-notls "${O[@]}" -m get -O 279,Cplain -O 283,14 -O 291,yesterday \
  "$P/cse-in/plain"
c no-rqi 4000 coap-client-notls "${O[@]}" -m get -O 279,Cplain "$P/cse-in/plain"
c bad-accept 5207 coap-client-notls "${O[@]}" -m get -O 279,Cplain -O 283,15 -A 41 "$P/cse-in/plain"
c bad-query 4000 coap-client-notls "${O[@]}" -m get -O 279,Cplain -O 283,16 "$P/cse-in/plain?rcn=99"

# --- DTLS with a PSK ------------------------------------------------------------------------
S="coaps://127.0.0.1:$psk_port"
PSK=(-u meter@trustcse.local -k "$key")
c psk-register 2001 coap-client-openssl "${O[@]}" "${PSK[@]}" -m post -O 279,Cmeter -O 283,20 \
  -O 267,0x0002 -t 50 -e "$(ae meter)" "$S/cse-in"
c psk-container 2001 coap-client-openssl "${O[@]}" "${PSK[@]}" -m post -O 279,Cmeter -O 283,21 \
  -O 267,0x0003 -t 50 -e '{"m2m:cnt":{"rn":"kwh"}}' "$S/cse-in/meter"
c psk-cin 2001 coap-client-openssl "${O[@]}" "${PSK[@]}" -m post -O 279,Cmeter -O 283,22 \
  -O 267,0x0004 -t 50 -e '{"m2m:cin":{"con":"7"}}' "$S/cse-in/meter/kwh"
c psk-read 2000 coap-client-openssl "${O[@]}" "${PSK[@]}" -m get -O 279,Cmeter -O 283,23 \
  "$S/cse-in/meter/kwh/la"
c psk-claims-another 4106 coap-client-openssl "${O[@]}" "${PSK[@]}" -m get -O 279,Cplain -O 283,24 \
  "$S/cse-in/plain"
c psk-wrong-key no-answer coap-client-openssl "${O[@]}" -u meter@trustcse.local -k wrong-key-0000000 \
  -m get -O 279,Cmeter -O 283,25 "$S/cse-in/meter"
c psk-unknown-identity no-answer coap-client-openssl "${O[@]}" -u nobody@trustcse.local -k "$key" \
  -m get -O 279,Cmeter -O 283,26 "$S/cse-in/meter"
c psk-no-dtls no-answer coap-client-notls "${O[@]}" -m get -O 279,Cmeter -O 283,27 \
  "coap://127.0.0.1:$psk_port/cse-in/meter"

# --- DTLS with certificates and pinned keys -------------------------------------------------
T="coaps://127.0.0.1:$cert_port"
c cert-register 2001 coap-client-openssl "${O[@]}" -c cam.crt -j cam.key -C ca.pem -m post \
  -O 279,Ccam -O 283,30 -O 267,0x0002 -t 50 -e "$(ae cam)" "$T/cse-in"
c cert-read 2000 coap-client-openssl "${O[@]}" -c cam.crt -j cam.key -C ca.pem -m get \
  -O 279,Ccam -O 283,31 "$T/cse-in/cam"
c cert-claims-another 4106 coap-client-openssl "${O[@]}" -c cam.crt -j cam.key -C ca.pem -m get \
  -O 279,Cmeter -O 283,32 "$T/cse-in/meter"
c pinned-register 2001 coap-client-openssl "${O[@]}" -c pin.crt -j pin.key -C ca.pem -m post \
  -O 279,Cpin -O 283,33 -O 267,0x0002 -t 50 -e "$(ae pin)" "$T/cse-in"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout s.key \
  -subj /CN=stranger -days 30 -out s.crt 2>/dev/null
c unpinned-refused no-answer coap-client-openssl "${O[@]}" -c s.crt -j s.key -C ca.pem -m get \
  -O 279,Cpin -O 283,34 "$T/cse-in/pin"

# Revocation reaches DTLS: the next request of the revoked PSK is refused.
cse credential revoke meter@trustcse.local >/dev/null || fail "revoke"
c revoked-psk no-answer coap-client-openssl "${O[@]}" "${PSK[@]}" -m get -O 279,Cmeter -O 283,40 \
  "$S/cse-in/meter"
grep -q "step=authn.channel originator=Cplain" log && pass || fail "no security event for 4106"
# DTLS sessions in the event stream (issue 12): a credential's use, with the peer.
grep -q "event: credential.used source=dtls originator=meter@trustcse.local .*peer=127.0.0.1" log &&
  pass || fail "no event for the DTLS credential's use"

finish coap_test
