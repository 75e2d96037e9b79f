#!/usr/bin/env bash
# Black-box test of the trust centre (issue 17: TC-1..4; docs/trust-centre.md) through the real
# server and CLI, with curl and openssl s_client:
#   - the registry: a provider and two applications (NBS, CQS), IDs issued by trustcse; machines
#     with validated identities (a wrong IMEI check digit refused);
#   - an NBS application refused over plain HTTP (4107) and accepted over TLS with its
#     per-device certificate; a per-device PSK is below a CQS floor (4107);
#   - a CQS device refused until its owner's KYC is verified (4126), then registered;
#   - ownership transfer keeps the history, and the new owner's KYC starts again (4128);
#   - a flagged device and a suspended application are blocked (4128) until cleared;
#   - the SIM-device binding: an IMEI learned from the device's certificate; a device reporting
#     another machine's SIM refused on that request and locked until unlocked (the other
#     machine alerted); a
#     new SIM locked until the provider authorizes it; an unknown device cannot join an
#     application by naming its App-ID;
#   - identity on demand: the machine's AE asked by a NOTIFY, its deviceInfo answer compared with
#     the record, the mismatch an alert;
#   - device subscriptions: a profile's operations, types and paths (also by resource ID),
#     provisioned/quarantined/suspended/resumed, a rate ceiling (5207), a critical class
#     suspended only with an override;
#   - a greylist that expires, a read-only greylist, a critical service's exception and its
#     override; a blacklisted IMEI refused and its live TLS session closed;
#   - every refusal and every operator action in the audit log.
# Needs curl, jq and openssl. Usage: trust_centre_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: trust_centre_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test trust
cse() { "$bin" "$@" --db "$dir/db"; }

must cse ca init --out ca.pem
must cse ca issue --id Cmeter1 --generate --key-out meter.key --out meter.crt 2>/dev/null
must cse ca issue --id Ccam1 --generate --key-out cam.key --out cam.crt 2>cam.log
cam_cred=$(sed -n 's/.*(credential \([^)]*\)).*/\1/p' cam.log)
psk=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
must cse credential add --psk-identity cam2@trustcse.test --psk "$psk" --id Ccam2 >/dev/null

# The registry: IDs issued here.
sp=$(cse provider add --company "Acme Metering" --contact ops@acme.example | jq -r .provider.id)
[[ $sp =~ ^SP[0-9]{6}$ ]] && pass || fail "provider ID: '$sp'"
nbs=$(cse app add --provider "$sp" --name meters --class NBS \
      --practice-statement https://acme.example/cps | jq -r .application.id)
cqs=$(cse app add --provider "$sp" --name cameras --class CQS \
      --practice-statement https://acme.example/cps | jq -r .application.id)
[ "$nbs" = "R$sp-1" ] && [ "$cqs" = "R$sp-2" ] && pass || fail "App-IDs: '$nbs' '$cqs'"
if cse app add --provider "$sp" --name x --class XYZ --practice-statement p >/dev/null 2>err; then
  fail "an unknown class accepted"
else
  grep -q "CQS" err && pass || fail "class error: $(cat err)"
fi
if cse device add --app "$nbs" --id bad --imei 352099001761482 >/dev/null 2>err; then
  fail "a wrong IMEI check digit accepted"
else
  grep -q "check digit" err && pass || fail "IMEI error: $(cat err)"
fi
kyc=(--certification TEC-MTCTE-2026-0042 --location "Pune, IN")
must cse device add --app "$nbs" --id meter-1 --entity Cmeter1 --imei 35209900176148 \
  --iccid 8991101200003204514 --imsi 404450123456789 --model M-100 --purpose metering \
  --owner alice "${kyc[@]}" >/dev/null
must cse device update --id meter-1 --user-kyc verified >/dev/null
[ "$(cse device show --id meter-1 | jq -r '.device.imei + " " + .device.mcc + "/" + .device.mnc')" \
  = "352099001761481 404/45" ] && pass || fail "identities not normalised: $(cse device show --id meter-1)"
must cse device add --app "$cqs" --id cam-1 --entity Ccam1 --credential "$cam_cred" \
  --serial CAM-0001 --model C-1 --purpose "site camera" --owner bob "${kyc[@]}" >/dev/null
must cse credential attest "$cam_cred" --evidence "key generated in secure element, attested" >/dev/null
must cse device add --app "$cqs" --id cam-2 --entity Ccam2 --serial CAM-0002 --model C-1 \
  --purpose "site camera" --owner bob "${kyc[@]}" >/dev/null
must cse device update --id cam-2 --user-kyc verified >/dev/null

"$bin" serve --db "$dir/db" --dev --http-port 0 --tls-port 0 >out 2>log &
pid=$!
for _ in $(seq 100); do [ "$(grep -c '^listening http' out 2>/dev/null)" = 2 ] && break; sleep 0.1; done
http=$(awk '/^listening http / {print $3}' out)
tls=$(awk '/^listening https/ {print $3}' out)
[ -n "$tls" ] || { echo "server did not start"; cat log; exit 1; }

# req NAME WANT_RSC AUTH(curl args or "plain") ORIGIN METHOD PATH [TY BODY] — checks the rsc
# (an update: TY empty, BODY given),
# and that the message names WANT_TEXT when $want_text is set.
want_text=
req() {
  local name=$1 want=$2 auth=$3 origin=$4 method=$5 path=$6 ty=${7:-} body=${8:-} base
  local args=(-s -o body -D headers -X "$method" -H "X-M2M-Origin: $origin" -H "X-M2M-RI: $name"
              -H "X-M2M-RVI: 3")
  if [ "$auth" = plain ]; then base="http://127.0.0.1:$http"
  else base="https://localhost:$tls"; args+=(--cacert ca.pem); read -ra extra <<<"$auth"; args+=("${extra[@]}"); fi
  if [ -n "$ty" ]; then args+=(-H "Content-Type: application/json;ty=$ty" --data-binary "$body")
  elif [ -n "$body" ]; then args+=(-H "Content-Type: application/json" --data-binary "$body"); fi
  : >headers; : >body
  curl "${args[@]}" "$base$path"
  local got; got=$(rsc_of headers)
  if [ "$got" != "$want" ]; then fail "$name: want $want got '$got': $(cat body)"
  elif [ -n "$want_text" ] && ! grep -q "$want_text" body; then fail "$name: message: $(cat body)"
  else pass; fi
  want_text=
}
ae() { printf '{"m2m:ae":{"rn":"%s","api":"%s","rr":false,"srv":["3"]}}' "$1" "$2"; }
meter="--cert meter.crt --key meter.key"
cam="--cert cam.crt --key cam.key"

# 1. An NBS application: refused over plain HTTP, accepted over TLS with its certificate.
want_text="transport encryption" req nbs-plain 4107 plain Cmeter1 POST /cse-in 2 "$(ae meter1 "$nbs")"
req nbs-tls 2001 "$meter" Cmeter1 POST /cse-in 2 "$(ae meter1 "$nbs")"
req nbs-data 2001 "$meter" Cmeter1 POST /cse-in/meter1 3 '{"m2m:cnt":{"rn":"data"}}'
want_text="transport encryption" req nbs-later-plain 4107 plain Cmeter1 GET /cse-in/meter1
# Unregistered applications are served unclassified ([trust] unregistered_apps = "allow").
req unregistered 2001 plain Cfree POST /cse-in 2 "$(ae free Nfree)"
# A per-device PSK is level 3: below CQS's floor of 5 (openssl s_client: curl has no TLS-PSK).
printf '%b' "$(post Ccam2 /cse-in 2 "$(ae cam2 "$cqs")")" | timeout 10 openssl s_client \
  -connect "127.0.0.1:$tls" -psk_identity cam2@trustcse.test -psk "$psk" -tls1_2 \
  -cipher PSK-AES128-GCM-SHA256 -ign_eof -quiet >sout 2>serr
[ "$(rsc_of sout)" = 4107 ] && grep -q "level 5; this request has level 3" sout && pass ||
  fail "CQS over PSK: $(cat sout)"

# 2. A CQS device: refused until its owner's KYC is verified.
want_text="requires user KYC" req cqs-no-kyc 4126 "$cam" Ccam1 POST /cse-in 2 "$(ae cam1 "$cqs")"
must cse device update --id cam-1 --user-kyc verified >/dev/null  # through the admin socket
req cqs-kyc 2001 "$cam" Ccam1 POST /cse-in 2 "$(ae cam1 "$cqs")"
req cqs-get 2000 "$cam" Ccam1 GET /cse-in/cam1

# 3. Ownership transfer: history kept; the new owner's KYC starts again.
must cse device transfer --id cam-1 --owner carol --reason "site sold" >/dev/null
cse device show --id cam-1 >show.json
[ "$(jq -r '[.device.history[] | select(.field == "owner") | .from + ">" + .to + " " + .reason] | join(",")' show.json)" \
  = "bob>carol site sold" ] && pass || fail "transfer history: $(cat show.json)"
jq -e '.device.history[0].field == "registered" and (.device.history[0].by | startswith("cli:"))' \
  show.json >/dev/null && pass || fail "first history entry: $(cat show.json)"
want_text="requires user KYC" req cqs-new-owner 4128 "$cam" Ccam1 GET /cse-in/cam1
must cse device update --id cam-1 --user-kyc verified >/dev/null
req cqs-new-owner-kyc 2000 "$cam" Ccam1 GET /cse-in/cam1

# 4. A flagged machine and a suspended application are blocked until cleared.
must cse device flag --id meter-1 --reason "tamper alarm" >/dev/null
want_text="flagged" req flagged 4128 "$meter" Cmeter1 GET /cse-in/meter1
must cse device unflag --id meter-1 >/dev/null
req unflagged 2000 "$meter" Cmeter1 GET /cse-in/meter1
must cse app update --id "$nbs" --status suspended >/dev/null
want_text="suspended" req suspended 4128 "$meter" Cmeter1 GET /cse-in/meter1
must cse app update --id "$nbs" --status active >/dev/null
req resumed 2000 "$meter" Cmeter1 GET /cse-in/meter1

# 5. Black- and greylists (OP-3).
# A greylist that expires: suspended for two seconds, then served again.
must cse list add --list grey --kind ae --value Cfree --reason "odd traffic" --owner soc --ttl 3 >/dev/null
want_text="greylisted ae" req grey 4128 plain Cfree GET /cse-in/free
sleep 3.1
req grey-expired 2000 plain Cfree GET /cse-in/free
# Read-only: reads served, writes refused.
must cse list add --list grey --kind ae --value Cfree --reason "under review" --mode read-only >/dev/null
req grey-read 2000 plain Cfree GET /cse-in/free
req grey-write 4103 plain Cfree POST /cse-in/free 3 '{"m2m:cnt":{"rn":"x"}}'
must cse list remove --kind ae --value Cfree >/dev/null
req grey-removed 2001 plain Cfree POST /cse-in/free 3 '{"m2m:cnt":{"rn":"x"}}'
# A critical service keeps running under a greylist, unless the entry overrides it.
must cse list add --list grey --kind ae --value Ccam1 --reason "odd traffic" >/dev/null
req grey-critical 2000 "$cam" Ccam1 GET /cse-in/cam1
must cse list add --list grey --kind ae --value Ccam1 --reason "odd traffic" --override >/dev/null
want_text="greylisted" req grey-critical-override 4128 "$cam" Ccam1 GET /cse-in/cam1
cse list show --list grey | jq -e '.entries | length == 1 and .[0].override' >/dev/null && pass ||
  fail "list show: $(cse list show)"
# A blacklisted IMEI: refused at once, and its live TLS session is closed.
keep() { printf 'GET /cse-in/meter1 HTTP/1.1\r\nHost: localhost\r\nX-M2M-Origin: Cmeter1\r\nX-M2M-RI: k%s\r\nX-M2M-RVI: 3\r\n\r\n' "$1"; }
# The second request goes out once the blacklisting has answered (the file "listed").
{ keep 1; for _ in $(seq 100); do [ -f listed ] && break; sleep 0.1; done; keep 2; sleep 1; } |
  timeout 15 openssl s_client -connect "127.0.0.1:$tls" \
  -CAfile ca.pem -cert meter.crt -key meter.key -servername localhost -ign_eof -quiet \
  >live.out 2>live.err &
live=$!
for _ in $(seq 50); do grep -q '^HTTP/1.1 200' live.out 2>/dev/null && break; sleep 0.1; done
must cse list add --list black --kind imei --value 352099001761481 --reason "reported stolen" >/dev/null
touch listed
wait "$live"
# One answer (200), then the connection closed: no answer at all to the second request.
[ "$(grep -o 'HTTP/1\.1 [0-9]*' live.out | tr '\n' ' ')" = "HTTP/1.1 200 " ] && pass ||
  fail "the live session was not closed: $(cat live.out)"
want_text="blacklisted imei" req black 4128 "$meter" Cmeter1 GET /cse-in/meter1
cse list add --list black --kind imei --value 352099001761482 --reason x >/dev/null 2>err &&
  fail "a wrong IMEI listed" || pass

# 6. The SIM-device binding (TC-2): learned from the channel's certificate; the request that
#    reveals a swap is refused and locks the machine (and the machine whose SIM it shows).
nbn=$(cse app add --provider "$sp" --name trackers --class NBN \
      --practice-statement https://acme.example/cps | jq -r .application.id)
must cse ca issue --id Ctrk1 --imei 490154203237518 --generate --key-out trk.key --out trk.crt \
  2>trk.log
trk_cred=$(sed -n 's/.*(credential \([^)]*\)).*/\1/p' trk.log)
openssl x509 -in trk.crt -noout -ext subjectAltName | grep "urn:gsma:imei:49015420-323751-8" \
  >/dev/null && pass || fail "IMEI not certified: $(openssl x509 -in trk.crt -noout -text)"
must cse device add --app "$nbn" --id trk-1 --entity Ctrk1 --imsi 234150999999999 \
  --binding learn >/dev/null
must cse device add --app "$nbn" --id trk-2 --entity Ctrk2 --imsi 234150888888888 \
  --imei 353456789012348 --binding strict >/dev/null
trk="--cert trk.crt --key trk.key"
# Naming a registered App-ID does not make an unknown device a member of the application.
want_text="admits only its machines" req nbn-stranger 4126 plain Cstranger POST /cse-in 2 \
  "$(ae stranger "$nbn")"
req trk-reg 2001 "$trk" Ctrk1 POST /cse-in 2 "$(ae trk1 "$nbn")"
cse device show --id trk-1 >trk.json
jq -e '.device.imei == "490154203237518" and
       (.device.history | map(select(.field == "binding.imei" and .reason == "learned")) | length == 1)' \
  trk.json >/dev/null && pass || fail "IMEI not learned from the certificate: $(cat trk.json)"
req trk-acp 2001 plain CAdmin POST /cse-in 1 \
  '{"m2m:acp":{"rn":"trkacp","pv":{"acr":[{"acor":["Ctrk1"],"acop":63}]},"pvs":{"acr":[{"acor":["CAdmin"],"acop":63}]}}}'
acp_ri=$(jq -r '."m2m:acp".ri' body)
req trk-node 2001 plain CAdmin POST /cse-in 14 \
  "{\"m2m:nod\":{\"rn\":\"trk1node\",\"ni\":\"urn:dev:trk1\",\"acpi\":[\"$acp_ri\"]}}"
sim() { printf '{"dcfg:sim":{"mgd":1030,"rn":"%s","icid":"8944500102198304826","imsi":"%s"}}' "$1" "$2"; }
req trk-sim 2001 "$trk" Ctrk1 POST /cse-in/trk1node 13 "$(sim sim1 234150999999999)"
# The device reports trk-2's SIM: refused on that request and trk-1 locked; trk-2, only named by
# a report, gets an alert, not a lock.
want_text="locked" req trk-swap 4128 "$trk" Ctrk1 POST /cse-in/trk1node 13 \
  "$(sim sim2 234150888888888)"
want_text="machine trk-1 is locked" req trk-locked 4128 "$trk" Ctrk1 GET /cse-in/trk1
# What disagrees is in the audit log (below), not told to the device.
grep -q "234150999999999" body && fail "the device was told the bound IMSI: $(cat body)" || pass
cse device show --id trk-2 | jq -e '.device | has("locked") | not' >/dev/null && pass ||
  fail "a report locked the machine it names: $(cse device show --id trk-2)"
must cse device unlock --id trk-1 --reason "SIM put back" >/dev/null
req trk-unlocked 2000 "$trk" Ctrk1 GET /cse-in/trk1
# A new SIM no machine holds: locked until the provider authorizes it, then it is the bound one.
want_text="locked" req trk-new-sim 4128 "$trk" Ctrk1 POST /cse-in/trk1node 13 \
  "$(sim sim3 234150777777777)"
must cse device authorize --id trk-1 --reason "SIM replaced by the provider" >/dev/null
req trk-authorized 2001 "$trk" Ctrk1 POST /cse-in/trk1node 13 "$(sim sim3 234150777777777)"
[ "$(cse device show --id trk-1 | jq -r '.device.imsi + " " + (.device.locked // "")')" \
  = "234150777777777 " ] && pass || fail "authorize: $(cse device show --id trk-1)"

# 7. Identity on demand (TC-7): the operator asks; the device's AE gets a NOTIFY, answers with its
#    deviceInfo report, and the answer is compared with the record (a mismatch: an alert).
cat >receiver.py <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open(sys.argv[1], 'ab') as f:
            f.write(body + b'\n')
        self.send_response(200)
        self.send_header('X-M2M-RSC', '2000')
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(sys.argv[2], 'w').write(str(s.server_port))
s.serve_forever()
PY
timeout 60 python3 receiver.py notified.log rport &  # bounded, should a setup step abort
receiver=$!
for _ in $(seq 50); do [ -s rport ] && break; sleep 0.1; done
req trk-poa 2004 "$trk" Ctrk1 PUT /cse-in/trk1 "" \
  "{\"m2m:ae\":{\"poa\":[\"http://127.0.0.1:$(cat rport)/\"],\"rr\":true}}"
must cse device update --id trk-1 --model T-1 >/dev/null
cse device query --id trk-1 >query.json
qid=$(jq -r '.device.query.id' query.json)
jq -e '.sent_to == ["Ctrk1"]' query.json >/dev/null && [ ${#qid} = 16 ] && pass ||
  fail "device query: $(cat query.json)"
for _ in $(seq 100); do grep -q "$qid" notified.log 2>/dev/null && break; sleep 0.1; done
jq -e --arg q "$qid" '."trustcse:identityQuery" | .query == $q and .machine == "trk-1"' \
  notified.log >/dev/null && pass || fail "the AE was not asked: $(cat notified.log 2>&1)"
kill "$receiver"; wait "$receiver" 2>/dev/null
req trk-answer 2001 "$trk" Ctrk1 POST /cse-in/trk1node 13 \
  '{"m2m:dvi":{"mgd":1007,"rn":"dvi","dlb":"IMEI:490154203237518","man":"Acme","mod":"T-9","dty":"tracker","fwv":"2.0"}}'
cse device show --id trk-1 >answer.json
jq -e '.device.answer.result == "model T-9, recorded T-1" and .device.answer.firmware == "2.0"
       and (.device | has("query") | not)' answer.json >/dev/null && pass ||
  fail "the answer was not compared: $(cat answer.json)"

# 8. Device subscriptions (OP-1, OP-2): a least-privilege profile, its lifecycle, a critical
#    class's override.
must cse subscription add --machine trk-1 --id sub-trk1 --profile \
  '{"operations":["retrieve","create","update"],"paths":["cse-in/trk1","cse-in/trk1node"],"types":[3,4,13]}' \
  >/dev/null
want_text="subscription sub-trk1 is provisioned" req sub-provisioned 4128 "$trk" Ctrk1 GET /cse-in/trk1
must cse subscription activate --id sub-trk1 --reason "contract signed" >/dev/null
req sub-active 2000 "$trk" Ctrk1 GET /cse-in/trk1
req sub-create 2001 "$trk" Ctrk1 POST /cse-in/trk1 3 '{"m2m:cnt":{"rn":"pos"}}'
want_text="does not allow delete" req sub-delete 4103 "$trk" Ctrk1 DELETE /cse-in/trk1/pos
want_text="creating resources of type 23" req sub-type 4103 "$trk" Ctrk1 POST /cse-in/trk1 23 \
  '{"m2m:sub":{"rn":"s","nu":["Ctrk1"]}}'
want_text="does not reach cse-in" req sub-outside 4103 "$trk" Ctrk1 GET /cse-in
# An unstructured resource ID reaches no further than its path: the ACP above is outside.
want_text="does not reach cse-in/trkacp" req sub-by-ri 4103 "$trk" Ctrk1 GET "/$acp_ri"
# trustcse explain (through the running server) gives the same answers, names the check, and
# spends nothing: the request that follows is still served.
cse explain --originator Ctrk1 --credential "$trk_cred" --to cse-in/trkacp >explain.txt 2>&1
grep -q "refused 4103: subscription sub-trk1 does not reach cse-in/trkacp" explain.txt &&
  grep -q "subscription paths *refused" explain.txt && pass || fail "explain: $(cat explain.txt)"
cse explain --originator Ctrk1 --credential "$trk_cred" --op delete --to cse-in/trk1/pos --json |
  jq -e '.rsc == 4103 and .steps[-1].check == "subscription" and
         (.message | contains("does not allow delete"))' >/dev/null && pass ||
  fail "explain delete: $(cse explain --originator Ctrk1 --credential "$trk_cred" --op delete --json)"
cse explain --originator Ctrk1 --credential "$trk_cred" --to cse-in/trk1 --json |
  jq -e '.decision == "allowed" and (.then | contains("access-control policies"))' >/dev/null &&
  pass || fail "explain allowed"
# The operator sees what the device is not told: which list entry and why.
cse explain --originator Cmeter1 --to cse-in --binding http --json |
  jq -e '.rsc == 4128 and .steps[-1].check == "lists" and
         (.steps[-1].detail | contains("imei 352099001761481: reported stolen"))' >/dev/null && pass ||
  fail "explain plain: $(cse explain --originator Cmeter1 --to cse-in --binding http --json)"
must cse subscription quarantine --id sub-trk1 --reason "odd traffic" >/dev/null
req sub-quarantine-read 2000 "$trk" Ctrk1 GET /cse-in/trk1
req sub-quarantine-write 4103 "$trk" Ctrk1 POST /cse-in/trk1 3 '{"m2m:cnt":{"rn":"pos2"}}'
must cse subscription suspend --id sub-trk1 --reason unpaid >/dev/null
want_text="subscription sub-trk1 is suspended" req sub-suspended 4128 "$trk" Ctrk1 GET /cse-in/trk1
must cse subscription resume --id sub-trk1 >/dev/null
req sub-resumed 2000 "$trk" Ctrk1 GET /cse-in/trk1
# A rate ceiling: the burst, then 5207 with when to retry.
must cse subscription update --id sub-trk1 --profile '{"rate":0.5,"burst":2}' >/dev/null
req sub-rate-1 2000 "$trk" Ctrk1 GET /cse-in/trk1
req sub-rate-2 2000 "$trk" Ctrk1 GET /cse-in/trk1
want_text="retry in" req sub-rate-3 5207 "$trk" Ctrk1 GET /cse-in/trk1
# A critical class (cam-1: CQS) is suspended only with an explicit override.
must cse subscription add --machine cam-1 --id sub-cam1 --state active >/dev/null
if cse subscription suspend --id sub-cam1 >/dev/null 2>err; then fail "a critical subscription suspended"
else grep -q "critical class (CQS)" err && pass || fail "critical refusal: $(cat err)"; fi
must cse subscription suspend --id sub-cam1 --override --reason "court order" >/dev/null
cse subscription show --id sub-cam1 | jq -e '.subscription.state == "suspended" and
  (.subscription.history[-1].reason | contains("override of critical class CQS"))' >/dev/null &&
  pass || fail "override not recorded: $(cse subscription show --id sub-cam1)"

# The registry and the lists survive a restart.
kill -TERM "$pid"; wait "$pid"; pid=

# 5. Every refusal and every operator action is in the audit log.
cse audit export --out bundle >/dev/null 2>err || fail "audit export: $(cat err)"
grep '^entry ' bundle | while read -r _ _ b; do printf '%s\n' "$b" | base64 -d; echo; done >entries.txt
# (grep >/dev/null, not grep -q, after a pipe: under pipefail an early exit of grep -q can fail
# the pipeline with SIGPIPE.)
denied() { grep '"kind":"access.denied"' entries.txt | grep "$1" | grep "$2" >/dev/null && pass ||
           fail "denial $1 $2 not logged: $(grep access.denied entries.txt)"; }
denied '"actor":"Cmeter1"' "requires transport encryption"
denied '"actor":"Ccam1"' "requires user KYC"
denied '"actor":"Ccam1"' "machine cam-1"
denied '"actor":"Cmeter1"' "is flagged"
denied '"actor":"Cmeter1"' "is suspended"
denied '"actor":"Cmeter1"' "reported stolen"
denied '"actor":"Cstranger"' "admits only its machines"
denied '"actor":"Ctrk1"' "machine trk-1 is locked"
denied '"actor":"Ctrk1"' "presents SIM IMSI 234150888888888"
grep '"kind":"trust"' entries.txt | grep '"subject":"trk-2"' | grep "seen with machine trk-1" \
  >/dev/null && pass || fail "swap alert not logged: $(grep '"kind":"trust"' entries.txt)"
grep '"kind":"trust"' entries.txt | grep '"operation":"query.mismatch"' | grep "model T-9" \
  >/dev/null && pass || fail "query alert not logged: $(grep '"kind":"trust"' entries.txt)"
denied '"actor":"Ctrk1"' "cse-in/trkacp is outside the paths of subscription sub-trk1"
for op in provider.add app.add device.add device.update device.transfer device.flag \
          device.unflag device.unlock device.authorize device.query app.update credential.attest list.add \
          list.remove subscription.add subscription.activate subscription.quarantine \
          subscription.suspend subscription.resume subscription.update; do
  grep '"kind":"admin"' entries.txt | grep "\"operation\":\"$op\"" >/dev/null && pass ||
    fail "operator action $op not logged"
done
grep '"operation":"device.transfer"' entries.txt | grep '"subject":"cam-1"' >/dev/null && pass ||
  fail "transfer entry without its machine: $(grep device.transfer entries.txt)"
finish trust
