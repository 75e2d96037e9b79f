#!/usr/bin/env bash
# Black-box test of what reaches the audit log besides denials and credentials (AUD-1,
# docs/audit.md), through the real server and CLI: an AE's registration, its ACP created and
# changed, its deregistration with the ACP going along; a configuration reload (SIGHUP) named
# after the user who sent it; operator actions run in process while no server runs, named
# "cli:<user>"; a master-key rotation. A registration acknowledged just before kill -9 is in the
# log after the restart (its entry is written in the registration's own transaction), and the
# whole log verifies offline. The admin API serves the key, checkpoints, entries and proofs,
# which verify offline too. Needs curl and jq. Usage: audit_events_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: audit_events_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test audit_events
cse() { "$bin" "$@" --db "$dir/db"; }
me=$(id -un)

start_server() {
  "$bin" serve --db "$dir/db" --dev --http-port 0 >out 2>log &
  pid=$!
  for _ in $(seq 300); do grep -q '^listening http ' out 2>/dev/null && break; sleep 0.1; done
  port=$(awk '/^listening http / {print $3}' out)
  [ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }
}
stop_server() { kill -TERM "$pid"; wait "$pid"; pid=; }
req() {  # METHOD ORIGIN PATH [TY BODY]: prints the response code
  local args=(-s -o /dev/null -w '%{http_code}' -X "$1" -H "X-M2M-Origin: $2"
              -H 'X-M2M-RI: r1' -H 'X-M2M-RVI: 3')
  [ $# -ge 5 ] && args+=(-H "Content-Type: application/json;ty=$4" -d "$5")
  [ "$1" = PUT ] && args+=(-H 'Content-Type: application/json' -d "$4")
  curl "${args[@]}" "http://127.0.0.1:$port/$3"
}
entries() { grep '^entry ' "$1" | while read -r _ _ b; do printf '%s\n' "$b" | base64 -d; echo; done; }
# export_all FILE: a bundle of every entry the newest checkpoint covers.
export_all() { rm -f "$1"; cse audit export --out "$1" >/dev/null 2>err || fail "export: $(cat err)"; }

start_server
ae='{"m2m:ae":{"rn":"meter","api":"Nmeter","rr":false,"srv":["3"]}}'
[ "$(req POST Cmeter cse-in 2 "$ae")" = 201 ] || fail "registration"
acp='{"m2m:acp":{"rn":"acp","pv":{"acr":[{"acor":["Cmeter"],"acop":63}]},"pvs":{"acr":[{"acor":["Cmeter"],"acop":63}]}}}'
[ "$(req POST Cmeter cse-in/meter 1 "$acp")" = 201 ] || fail "ACP create"
[ "$(req PUT Cmeter cse-in/meter/acp '{"m2m:acp":{"pv":{"acr":[{"acor":["Cmeter","Cpeer"],"acop":63}]}}}')" = 200 ] ||
  fail "ACP update"
[ "$(req DELETE Cmeter cse-in/meter)" = 200 ] || fail "deregistration"
# A reload, sent by this user.
kill -HUP "$pid"
for _ in $(seq 50); do grep -q 'reloaded' log && break; sleep 0.1; done
grep -q 'reloaded' log || fail "reload: $(tail -3 log)"
stop_server

# Operator actions with no server running: in process, under this user's name.
must cse credential add --psk-identity dev@trustcse.test \
  --psk 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff --id Cdev >/dev/null
must cse credential revoke dev@trustcse.test >/dev/null
# A master-key rotation (the key file beside the database).
cse key rotate >rot.out 2>rot.err || fail "key rotate: $(cat rot.out rot.err)"

cse audit key >log.pub 2>err || fail "audit key: $(cat err)"
export_all b1
entries b1 >e1.txt
has() { grep "$1" e1.txt | grep -q "$2" && pass || fail "$3: $(cat e1.txt)"; }
has '"kind":"registration"' '"operation":"register","status":2001' "registration entry"
has '"operation":"register"' '"actor":"Cmeter","subject":"cse-in/meter"' "registrant named"
has '"kind":"acp.change"' '"operation":"create"' "ACP create entry"
has '"kind":"acp.change"' '"operation":"update","reason":"attributes pv"' "ACP update entry"
has '"operation":"deregister"' '"actor":"Cmeter"' "deregistration entry"
has '"operation":"delete"' '"reason":"with cse-in/meter"' "ACP deleted with its AE"
has '"operation":"config.reload"' "\"actor\":\"uid:$(id -u) (SIGHUP)\"" "reload entry"
has '"operation":"credential.add"' "\"actor\":\"cli:$me\"" "in-process operator action"
has '"kind":"credential.revoked"' '"source":"credentials"' "credential event in process"
has '"operation":"key.rotate"' "\"actor\":\"cli:$me\"" "key rotation entry"
# Nothing appended twice: one registration, one deregistration.
[ "$(grep -c '"operation":"register"' e1.txt)" = 1 ] && pass || fail "registration logged twice"
"$bin" audit verify b1 --key log.pub >/dev/null 2>err && pass || fail "verify: $(cat err)"

# Acknowledged, then kill -9 at once: the registration's entry survived with its data.
start_server
[ "$(req POST Cfast cse-in 2 '{"m2m:ae":{"rn":"fast","api":"Nfast","rr":false,"srv":["3"]}}')" = 201 ] ||
  fail "registration before kill"
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=
start_server  # signs a checkpoint over what it finds
[ "$(req GET CAdmin cse-in/fast)" = 200 ] || fail "the registration did not survive"

# The log served read-only through the admin API: the same texts, verified offline.
admin() { curl -s --unix-socket admin.sock -X POST "http://localhost/v1/$1" -d "${2:-{\}}"; }
admin audit.key | jq -r .result.key >api.pub
cmp -s <(tr -d '\n' <api.pub) <(tr -d '\n' <log.pub) && pass || fail "admin key: $(cat api.pub)"
for _ in $(seq 50); do  # the restart's checkpoint covers the fast registration within a second
  admin audit.checkpoint >cp.json
  [ "$(jq -r .result.tree_size cp.json)" -gt "$(grep -c '^entry ' b1)" ] 2>/dev/null && break
  sleep 0.2
done
jq -r .result.checkpoint cp.json | head -1 | grep -qx 'trustcse/id-in/audit' && pass ||
  fail "admin checkpoint: $(cat cp.json)"
admin audit.entries '{"from":1,"to":4}' >ent.json
jq -j .result.bundle ent.json >api.bundle
[ "$(jq '.result.entries | length' ent.json)" = 3 ] && jq -r '.result.entries[0]' ent.json |
  grep -q '"kind":"acp.change"' && pass || fail "admin entries: $(cat ent.json)"
"$bin" audit verify api.bundle --key log.pub >v.out 2>err &&
  grep -q '^verified: entries 1\.\.3' v.out && pass || fail "admin bundle: $(cat v.out err)"
admin audit.prove '{"index":0}' >pr.json
jq -j .result.proof pr.json >api.proof
jq -j .result.entry pr.json >api.entry
"$bin" audit verify api.proof --key log.pub --entry api.entry >/dev/null 2>err && pass ||
  fail "admin proof: $(cat pr.json err)"
# Consistency from the checkpoint saved before the restart to the newest.
sed '1,/^$/d' b1 >old.cp
admin audit.consistency "$(jq -n --rawfile c old.cp '{checkpoint: $c}')" >cons.json
jq -j .result.bundle cons.json >api.cons
"$bin" audit verify api.cons --key log.pub >v.out 2>err && pass || fail "admin consistency: $(cat cons.json v.out err)"
# Bad arguments get a clear oneM2M error; reading the log adds nothing to it.
admin audit.entries '{"from":0,"to":5000}' | jq -e '.rsc == 4000' >/dev/null && pass ||
  fail "oversized range accepted"
admin audit.prove '{}' | jq -e '.rsc == 4000' >/dev/null && pass || fail "prove without index"
size1=$(admin audit.checkpoint | jq .result.tree_size); sleep 1.5
size2=$(admin audit.checkpoint | jq .result.tree_size)
[ "$size1" = "$size2" ] && pass || fail "reading the log grew it: $size1 -> $size2"

# An operator action through the socket is answered only once it is on record: kill -9 right
# after the answer loses nothing.
must cse credential add --psk-identity late@trustcse.test --generate --id Clate >/dev/null
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=
start_server
# A checkpoint signed on demand covers it at once.
admin audit.checkpoint '{"sign":true}' >signed.json
[ "$(jq .result.tree_size signed.json)" -gt "$size2" ] 2>/dev/null && pass ||
  fail "on-demand checkpoint: $(cat signed.json) (before: $size2)"
stop_server
export_all b2
entries b2 | grep '"operation":"register"' | grep -q '"actor":"Cfast"' && pass ||
  fail "the acknowledged registration's entry was lost: $(entries b2)"
entries b2 | grep '"operation":"credential.add"' | grep -q "\"actor\":\"uid:$(id -u)\"" && pass ||
  fail "the acknowledged operator action's entry was lost: $(entries b2)"
"$bin" audit verify b2 --key log.pub >/dev/null 2>err && pass || fail "verify after kill: $(cat err)"
finish audit_events
