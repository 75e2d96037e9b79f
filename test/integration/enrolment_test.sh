#!/usr/bin/env bash
# Black-box test of enrolment (SEC-3) with real clients, start to finish:
#   one-time token → enrol (curl, TLS without a client credential) → operational PSK →
#   register an AE and store data over TLS-PSK (openssl s_client) → revoke → refused;
# plus a factory bootstrap PSK (used once), a certificate enrolment from a CSR made on the
# "device" (openssl req) used with curl, re-enrolment rotating a credential, a reused token,
# enrolment over plain HTTP, and no two enrolments sharing a key; every enrolment in the audit
# log once.
# Usage: enrolment_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: enrolment_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test enrol
cse() { "$bin" "$@" --config cfg.toml; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2],''))" "$1" "$2"; }

cat >cfg.toml <<TOML
[storage]
db = "$dir/db"
[http]
enabled = true
port = 0
[tls]
enabled = true
[[tls.listener]]
port = 0
client_auth = ["certificate", "psk"]
[[tls.listener]]
port = 0
client_auth = ["psk", "none"]
[enrolment]
rotation_grace_s = 0
TOML
must cse ca init --out ca.pem
token=$(cse enrol-token create --id Cmeter1 --note "meter #1" 2>/dev/null)
cert_token=$(cse enrol-token create --id Ccam1 2>/dev/null)
spare_token=$(cse enrol-token create 2>/dev/null)
boot=a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0
must cse credential add --psk-identity factory-0001@vendor.example --psk "$boot" --bootstrap \
  --id Cfactory1 >/dev/null
cse enrol-token list | grep -q '"used":""' && pass || fail "tokens not listed as unused"
cse enrol-token list | grep -q "$token" && fail "a token is listed in clear" || pass

"$bin" serve --config cfg.toml >out 2>log &
pid=$!
for _ in $(seq 100); do [ "$(grep -c '^listening' out 2>/dev/null)" = 3 ] && break; sleep 0.1; done
http=$(awk '/^listening http / {print $3}' out)
ops=$(awk '/^listening https/ {print $3}' out | sed -n 1p)
enrol=$(awk '/^listening https/ {print $3}' out | sed -n 2p)
[ -n "$enrol" ] || { echo "server did not start"; cat log; exit 1; }
url="https://localhost:$enrol/.well-known/trustcse/enrol"

# enrol NAME WANT_HTTP BODY [CURL ARGS…] — POST to the enrolment endpoint with curl.
enrol() {
  local name=$1 want=$2 body=$3; shift 3
  local code
  code=$(curl -s --cacert ca.pem -o "$name.json" -w '%{http_code}' -X POST \
         -H 'Content-Type: application/json' --data-binary "$body" "$@" "$url")
  [ "$code" = "$want" ] && pass || fail "$name: want HTTP $want got $code: $(cat "$name.json")"
}
# psk_req CREDENTIAL KEY REQUEST — a request over TLS-PSK; prints the X-M2M-RSC.
psk_req() {
  printf '%b' "$3" | timeout 10 openssl s_client -connect "127.0.0.1:$ops" -CAfile ca.pem \
    -tls1_3 -psk_identity "$1" -psk "$2" -ign_eof 2>/dev/null |
    tr -d '\r' | awk -F': ' 'tolower($1)=="x-m2m-rsc" {print $2; exit}'
}
expect() {  # expect NAME WANT GOT
  [ "$3" = "$2" ] && pass || fail "$1: want $2 got '$3'"
}

# --- the walk-through: token → PSK → AE → data → revoke → refused -----------------------------
enrol token-psk 201 "{\"token\":\"$token\"}"
cred=$(field token-psk.json credential)
psk=$(field token-psk.json psk)
[[ $cred == *@trustcse.local && ${#psk} == 64 ]] && pass || fail "enrolled credential '$cred'"
grep -q '"ids":\["Cmeter1"\]' token-psk.json && pass || fail "not bound to Cmeter1"
enrol token-reused 403 "{\"token\":\"$token\"}"
grep -q 4106 <(curl -s --cacert ca.pem -D - -o /dev/null -X POST --data-binary "{\"token\":\"$token\"}" "$url") &&
  pass || fail "a reused token does not answer 4106"
expect register 2001 "$(psk_req "$cred" "$psk" "$(post Cmeter1 /cse-in 2 '{"m2m:ae":{"rn":"meter1","api":"Nmeter","rr":false,"srv":["3"]}}')")"
expect container 2001 "$(psk_req "$cred" "$psk" "$(post Cmeter1 /cse-in/meter1 3 '{"m2m:cnt":{"rn":"kwh"}}')")"
expect data 2001 "$(psk_req "$cred" "$psk" "$(post Cmeter1 /cse-in/meter1/kwh 4 '{"m2m:cin":{"con":"17.2"}}')")"
expect read 2000 "$(psk_req "$cred" "$psk" "$(get Cmeter1 /cse-in/meter1/kwh/la)")"
expect not-someone-else 4106 "$(psk_req "$cred" "$psk" "$(get Ccam1 /cse-in)")"
cse credential revoke "$cred" --reason "meter stolen" >/dev/null || fail "revoke"
expect revoked-refused "" "$(psk_req "$cred" "$psk" "$(get Cmeter1 /cse-in/meter1/kwh/la)")"

# --- a factory bootstrap PSK: enrols once, then it is spent ---------------------------------
printf '%b' 'POST /.well-known/trustcse/enrol HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' |
  timeout 10 openssl s_client -connect "127.0.0.1:$enrol" -CAfile ca.pem -tls1_2 \
    -psk_identity factory-0001@vendor.example -psk "$boot" -ign_eof 2>/dev/null |
  grep -o '^{.*}' >boot.json
bcred=$(field boot.json credential)
bpsk=$(field boot.json psk)
[ -n "$bcred" ] && [ "$bpsk" != "$boot" ] && pass || fail "bootstrap enrolment: $(cat boot.json)"
grep -q Cfactory1 boot.json && pass || fail "bootstrap enrolment lost the bound ID"
again=$(printf '%b' 'POST /.well-known/trustcse/enrol HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' |
  timeout 10 openssl s_client -connect "127.0.0.1:$enrol" -CAfile ca.pem -tls1_2 \
    -psk_identity factory-0001@vendor.example -psk "$boot" -ign_eof 2>/dev/null | grep -c '"credential"')
expect bootstrap-single-use 0 "$again"
expect bootstrap-enrolled-registers 2001 "$(psk_req "$bcred" "$bpsk" "$(post Cfactory1 /cse-in 2 '{"m2m:ae":{"rn":"f1","api":"Nf","rr":false,"srv":["3"]}}')")"

# --- re-enrolment rotates: the new credential takes over, the old one expires ----------------
printf '%b' 'POST /.well-known/trustcse/enrol HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' |
  timeout 10 openssl s_client -connect "127.0.0.1:$ops" -CAfile ca.pem -tls1_3 \
    -psk_identity "$bcred" -psk "$bpsk" -ign_eof 2>/dev/null | grep -o '^{.*}' >rot.json
rcred=$(field rot.json credential)
rpsk=$(field rot.json psk)
[ -n "$rcred" ] && [ "$rcred" != "$bcred" ] && pass || fail "re-enrolment: $(cat rot.json)"
expect rotated-new-works 2000 "$(psk_req "$rcred" "$rpsk" "$(get Cfactory1 /cse-in/f1)")"
sleep 1  # rotation_grace_s = 0: the old credential has expired
expect rotated-old-refused "" "$(psk_req "$bcred" "$bpsk" "$(get Cfactory1 /cse-in/f1)")"
cse credential list | grep "^$rcred" | grep -q Cfactory1 && pass || fail "rotated credential lost its ID"

# --- a certificate for a key made on the device ---------------------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout cam.key \
  -subj /CN=cam -out cam.csr 2>/dev/null
body=$(python3 -c "import json; print(json.dumps({'token': '$cert_token', 'credential': 'certificate', 'csr': open('cam.csr').read()}))")
enrol token-cert 201 "$body"
python3 -c "import json; d=json.load(open('token-cert.json')); open('cam.crt','w').write(d['certificate'])"
code=$(curl -s --cacert ca.pem --cert cam.crt --key cam.key -o reg.json -w '%{http_code}' -X POST \
  -H 'X-M2M-Origin: Ccam1' -H 'X-M2M-RI: c' -H 'X-M2M-RVI: 3' -H 'Content-Type: application/json;ty=2' \
  --data-binary '{"m2m:ae":{"rn":"cam1","api":"Ncam","rr":false,"srv":["3"]}}' "https://localhost:$ops/cse-in")
expect certificate-registers 201 "$code"

# --- refusals ---------------------------------------------------------------------------------
enrol bad-csr 400 "{\"token\":\"$spare_token\",\"credential\":\"certificate\",\"csr\":\"nonsense\"}"
enrol unknown-token 403 '{"token":"AAAA"}'
enrol no-credential-at-all 403 '{}'
enrol malformed 400 '{"token":'
enrol unknown-member 400 '{"token":"x","admin":true}'
code=$(curl -s -o plain.json -w '%{http_code}' -X POST --data-binary "{\"token\":\"$spare_token\"}" \
  "http://127.0.0.1:$http/.well-known/trustcse/enrol")
expect plain-http-refused 403 "$code"
grep -q 'requires TLS' plain.json && pass || fail "plain HTTP enrolment: $(cat plain.json)"
# the spare token, still unused after the refusals, enrols a device without identities
enrol spare 201 "{\"token\":\"$spare_token\"}"
[ "$(field spare.json psk)" != "$psk" ] && [ "$(field spare.json psk)" != "$bpsk" ] && pass ||
  fail "two enrolments share a key"
# A credential bound to nothing yet registers with "C": the AE-ID the CSE assigns is bound to it.
scred=$(field spare.json credential)
spsk=$(field spare.json psk)
printf '%b' "$(post C /cse-in 2 '{"m2m:ae":{"rn":"spare","api":"Nspare","rr":false,"srv":["3"]}}')" |
  timeout 10 openssl s_client -connect "127.0.0.1:$ops" -CAfile ca.pem -tls1_3 \
    -psk_identity "$scred" -psk "$spsk" -ign_eof 2>/dev/null | grep -o '^{.*}' >spare-ae.json
aei=$(python3 -c "import json; print(json.load(open('spare-ae.json'))['m2m:ae']['aei'])" 2>/dev/null)
[[ $aei == C* ]] && pass || fail "registration with C: $(cat spare-ae.json)"
cse credential list | grep "^$scred" | grep -q "$aei" && pass || fail "assigned AE-ID $aei not bound"
expect bound-aei-acts 2000 "$(psk_req "$scred" "$spsk" "$(get "$aei" /cse-in/spare)")"
expect second-registration-refused 4106 "$(psk_req "$scred" "$spsk" "$(post C /cse-in 2 '{"m2m:ae":{"rn":"spare2","api":"Nspare","rr":false,"srv":["3"]}}')")"

# --- nothing secret in the log --------------------------------------------------------------
leaked=0
for secret in "$psk" "$bpsk" "$rpsk" "$token" "$boot"; do
  [ -n "$secret" ] && grep -q "$secret" log && leaked=1
done
[ $leaked = 0 ] && pass || fail "a secret appears in the log"

# --- every enrolment on record once, written with the credential it issued -------------------
kill -TERM "$pid"; wait "$pid"; pid=
rm -f audit.bundle
cse audit export --out audit.bundle >/dev/null 2>err || fail "audit export: $(cat err)"
grep '^entry ' audit.bundle | while read -r _ _ b; do printf '%s\n' "$b" | base64 -d; echo; done |
  grep '"operation":"enrol"' >enrolled.txt
[ "$(wc -l <enrolled.txt)" = 5 ] && pass || fail "enrolments on record: $(cat enrolled.txt)"
grep -q "\"subject\":\"$scred\"" enrolled.txt && grep -q "\"subject\":\"$rcred\"" enrolled.txt &&
  pass || fail "enrolled credentials not named: $(cat enrolled.txt)"
grep -q '"reason":"bootstrap credential"' enrolled.txt && pass || fail "enrolment mode not named"


finish enrolment_test
