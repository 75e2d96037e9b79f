#!/usr/bin/env bash
# Black-box test of the secure channels (SEC-1, SEC-2, OP-7) with real clients: curl with client
# certificates, openssl s_client with PSKs (TLS 1.2 and 1.3) and session resumption, a pinned
# self-signed key; the negative cases — wrong PSK, unknown identity, revoked certificate (live,
# closing the open connection), expired certificate, another CA's certificate, TLS 1.1, an
# originator that does not match the channel, a bootstrap credential used for a oneM2M request,
# no plain HTTP without --dev. Usage: tls_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: tls_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test tls
cse() { "$bin" "$@" --db "$dir/db"; }

# --- credentials, made while the server is stopped (the CLI works on the store) -------------
must cse ca init --cn "trustcse test CA" --out ca.pem
psk=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
boot=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100
must cse credential add --psk-identity dev-psk@trustcse.test --psk "$psk" --id Cpsk >/dev/null
must cse credential add --psk-identity boot@trustcse.test --psk "$boot" --bootstrap >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout dev.key \
  -subj /CN=Ccert -out dev.csr 2>/dev/null || { echo "openssl req failed"; exit 1; }
must cse ca issue --id Ccert --csr dev.csr --out dev.crt 2>issue.log
must cse ca issue --id Crev --generate --key-out rev.key --out rev.crt 2>rev.log
rev_serial=$(awk '/^serial/ {print $2}' rev.log)
[ "$(stat -c %a rev.key)" = 600 ] && pass || fail "generated key file is not mode 600"
# A certificate that expired long ago (its validity started in 2020 and lasted a day).
must cse ca issue --id Cold --generate --key-out old.key --out old.crt --days 1 \
  --not-before 20200101T000000 2>/dev/null
# Another CA, whose certificate names an ID this CSE knows.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout evil-ca.key \
  -subj /CN=evil -days 30 -out evil-ca.pem 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout evil.key \
  -subj /CN=Ccert -out evil.csr 2>/dev/null
printf 'subjectAltName=URI://trustcse.local/id-in/Ccert\nextendedKeyUsage=clientAuth\n' >evil.ext
openssl x509 -req -in evil.csr -CA evil-ca.pem -CAkey evil-ca.key -CAcreateserial -days 30 \
  -extfile evil.ext -out evil.crt 2>/dev/null
# Pinned keys: one registered, one not.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout pin.key \
  -subj /CN=pinned -days 30 -out pin.crt 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout stranger.key \
  -subj /CN=stranger -days 30 -out stranger.crt 2>/dev/null
must cse credential add --pinned-key pin.crt --id Cpin >/dev/null
cse credential list | grep -q "ni:///sha-256;" && pass || fail "pinned key not listed"

# --- the server: TLS only ---------------------------------------------------------------------
"$bin" serve --db "$dir/db" --tls-port 0 >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q '^listening https' out 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening https/ {print $3}' out)
[ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }
grep -q '^listening http ' out && fail "plain HTTP listens without --dev" || pass
base="https://localhost:$port"

# creq NAME WANT CURL_AUTH_ARGS ORIGIN METHOD PATH [TY BODY] — a request with curl.
creq() {
  local name=$1 want=$2 auth=$3 origin=$4 method=$5 path=$6 ty=${7:-} body=${8:-}
  local args=(-s --cacert ca.pem -o body -D headers -X "$method" -H "X-M2M-Origin: $origin"
              -H "X-M2M-RI: $name" -H "X-M2M-RVI: 3")
  # shellcheck disable=SC2206
  args+=($auth)
  [ -n "$ty" ] && args+=(-H "Content-Type: application/json;ty=$ty" --data-binary "$body")
  : >headers
  curl "${args[@]}" "$base$path"
  local rc=$? got
  got=$(rsc_of headers)
  if [ "$want" = handshake-fails ]; then
    [ $rc -ne 0 ] && [ -z "$got" ] && pass || fail "$name: expected the handshake to fail (curl $rc, rsc '$got')"
  elif [ "$got" = "$want" ]; then
    pass
  else
    fail "$name: want $want got '$got' (curl $rc): $(cat body 2>/dev/null)"
  fi
}

# sreq NAME WANT S_CLIENT_ARGS REQUEST — a request through openssl s_client.
sreq() {
  local name=$1 want=$2 sargs=$3 request=$4 got
  # shellcheck disable=SC2086
  printf '%b' "$request" | timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem \
    -servername localhost -ign_eof $sargs >sout 2>serr
  got=$(rsc_of sout)
  if [ "$want" = handshake-fails ]; then
    [ -z "$got" ] && pass || fail "$name: expected no response, got $got"
  elif [ "$got" = "$want" ]; then
    pass
  else
    fail "$name: want $want got '$got': $(tail -3 sout) $(tail -2 serr)"
  fi
}
ae() { printf '{"m2m:ae":{"rn":"%s","api":"N%s","rr":false,"srv":["3"]}}' "$1" "$1"; }

cert="--cert dev.crt --key dev.key"
creq cert-register 2001 "$cert" Ccert POST /cse-in 2 "$(ae ccert)"
creq cert-retrieve 2000 "$cert" Ccert GET /cse-in/ccert
creq cert-container 2001 "$cert" Ccert POST /cse-in/ccert 3 '{"m2m:cnt":{"rn":"data"}}'
creq cert-data 2001 "$cert" Ccert POST /cse-in/ccert/data 4 '{"m2m:cin":{"con":"42"}}'
creq cert-la 2000 "$cert" Ccert GET /cse-in/ccert/data/la
creq cert-claims-another-originator 4106 "$cert" Cpsk GET /cse-in/ccert
creq cert-claims-admin 4106 "$cert" CAdmin GET /cse-in
creq no-client-credential handshake-fails "" Ccert GET /cse-in/ccert
creq other-ca-certificate handshake-fails "--cert evil.crt --key evil.key" Ccert GET /cse-in/ccert
creq expired-certificate handshake-fails "--cert old.crt --key old.key" Cold GET /cse-in
creq tls11-refused handshake-fails "$cert --tlsv1.1 --tls-max 1.1" Ccert GET /cse-in/ccert

creq pinned-register 2001 "--cert pin.crt --key pin.key" Cpin POST /cse-in 2 "$(ae cpin)"
creq pinned-retrieve 2000 "--cert pin.crt --key pin.key" Cpin GET /cse-in/cpin
creq pinned-claims-another 4106 "--cert pin.crt --key pin.key" Ccert GET /cse-in/ccert
creq unpinned-self-signed handshake-fails "--cert stranger.crt --key stranger.key" Cpin GET /cse-in

pskargs="-psk_identity dev-psk@trustcse.test -psk $psk"
sreq psk13-register 2001 "-tls1_3 $pskargs" "$(post Cpsk /cse-in 2 "$(ae cpsk)")"
sreq psk13-retrieve 2000 "-tls1_3 $pskargs" "$(get Cpsk /cse-in/cpsk)"
sreq psk12-retrieve 2000 "-tls1_2 $pskargs" "$(get Cpsk /cse-in/cpsk)"
grep -q "Cipher is .*PSK" sout && pass || fail "TLS 1.2 did not use a PSK suite: $(grep 'Cipher is' sout)"
sreq psk-claims-another 4106 "-tls1_3 $pskargs" "$(get Ccert /cse-in/ccert)"
sreq psk-wrong-key handshake-fails "-tls1_3 -psk_identity dev-psk@trustcse.test -psk ${psk/00/ff}" \
  "$(get Cpsk /cse-in/cpsk)"
sreq psk12-wrong-key handshake-fails "-tls1_2 -psk_identity dev-psk@trustcse.test -psk ${psk/00/ff}" \
  "$(get Cpsk /cse-in/cpsk)"
sreq psk-unknown-identity handshake-fails "-tls1_3 -psk_identity nobody@trustcse.test -psk $psk" \
  "$(get Cpsk /cse-in/cpsk)"
sreq bootstrap-for-onem2m 4107 "-tls1_3 -psk_identity boot@trustcse.test -psk $boot" \
  "$(get Cboot /cse-in)"
sreq tls11-psk handshake-fails "-tls1_1 $pskargs" "$(get Cpsk /cse-in/cpsk)"

# Session resumption with a ticket, for a certificate session.
printf '%b' "$(get Ccert /cse-in/ccert)" | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
  -CAfile ca.pem -cert dev.crt -key dev.key -sess_out sess.pem -ign_eof >sout 2>&1
printf '%b' "$(get Ccert /cse-in/ccert)" | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
  -CAfile ca.pem -cert dev.crt -key dev.key -sess_in sess.pem -ign_eof >sout 2>&1
grep -q '^Reused' sout && [ "$(rsc_of sout)" = 2000 ] && pass ||
  fail "resumed session: $(grep -E '^(New|Reused)' sout) rsc $(rsc_of sout)"

# Live revocation: a connection open across the revocation is closed; new handshakes fail.
creq rev-register 2001 "--cert rev.crt --key rev.key" Crev POST /cse-in 2 "$(ae crev)"
printf '%b' "$(get Crev /cse-in/crev)" | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
  -CAfile ca.pem -cert rev.crt -key rev.key -sess_out rev-sess.pem -ign_eof >/dev/null 2>&1
{
  printf 'GET /cse-in/crev HTTP/1.1\r\nHost: localhost\r\nX-M2M-Origin: Crev\r\nX-M2M-RI: a\r\nX-M2M-RVI: 3\r\n\r\n'
  sleep 2
  printf 'GET /cse-in/crev HTTP/1.1\r\nHost: localhost\r\nX-M2M-Origin: Crev\r\nX-M2M-RI: b\r\nX-M2M-RVI: 3\r\n\r\n'
  sleep 1
} | timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem -cert rev.crt \
  -key rev.key -quiet >live 2>/dev/null &
client=$!
sleep 1
cse ca revoke --serial "$rev_serial" --reason "test: stolen" >/dev/null || fail "live revoke"
wait $client
[ "$(grep -c 'X-M2M-RSC' live)" = 1 ] && pass ||
  fail "the open connection of a revoked certificate answered $(grep -c 'X-M2M-RSC' live) requests"
creq revoked-certificate handshake-fails "--cert rev.crt --key rev.key" Crev GET /cse-in/crev
printf '%b' "$(get Crev /cse-in/crev)" | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
  -CAfile ca.pem -cert rev.crt -key rev.key -sess_in rev-sess.pem -ign_eof >sout 2>&1
[ -z "$(rsc_of sout)" ] && pass || fail "a revoked certificate resumed its session: $(rsc_of sout)"
grep -q "revoked credential x509:$rev_serial" log && pass || fail "no log of the closed connection"

# The CRL is served and lists the revoked serial.
curl -s --cacert ca.pem --cert dev.crt --key dev.key -o crl.der "$base/.well-known/trustcse/crl"
openssl crl -inform DER -in crl.der -noout -text 2>/dev/null | tr -d ': \n' | tr 'A-Z' 'a-z' |
  grep -q "serialnumber$rev_serial" && pass || fail "the CRL does not list $rev_serial"
openssl crl -inform DER -in crl.der -CAfile ca.pem -noout 2>&1 | grep -q "verify OK" && pass ||
  fail "the CRL does not verify against the CA"

# The PSK credential is revoked through the admin API too; its identity no longer handshakes.
cse credential revoke dev-psk@trustcse.test >/dev/null || fail "psk revoke"
sreq revoked-psk handshake-fails "-tls1_3 $pskargs" "$(get Cpsk /cse-in/cpsk)"

# Denials are logged as security events, without secrets.
grep -q "step=authn.channel originator=Cpsk" log && pass || fail "no security event for 4106"
grep -qi "$psk" log && fail "the PSK appears in the log" || pass
# The event stream's log sink: handshake failures with the peer, the operator's operations,
# revocations and CA operations are events too (issue 12).
grep -q "security: handshake failed source=tls peer=127.0.0.1" log && pass ||
  fail "no event for a failed handshake"
grep -q "event: admin source=admin originator=uid:[0-9]* target=dev-psk@trustcse.test op=credential.revoke rsc=2000" log &&
  pass || fail "no event for the admin operation"
grep -q "event: credential.revoked source=credentials .*target=dev-psk@trustcse.test" log &&
  pass || fail "no event for the revocation"
grep -q "event: ca source=ca .*op=revoke" log && pass || fail "no event for the CA revocation"

finish tls_test
