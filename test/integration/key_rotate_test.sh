#!/usr/bin/env bash
# Black-box test of `trustcse key rotate`: refused while a server runs and with the key in the
# environment; re-seals every secret so that the same PSK still handshakes and the server keeps
# its TLS key; retires the old key beside the new one (both mode 0600) and refuses to overwrite
# a retired key; a rotation left unfinished (a "<key>.new" file) stops `serve` and the other
# commands until `key rotate` is run again, which finishes it — also after a stop between the
# two renames at the end. Usage: key_rotate_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: key_rotate_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test key_rotate
cse() { "$bin" "$@" --db "$dir/db"; }
key=$dir/master.key
psk=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
must cse ca init --cn "trustcse rotation test CA" --out ca.pem >/dev/null
must cse credential add --psk-identity dev@trustcse.test --psk "$psk" --id Cdev >/dev/null
must cse ca issue --id Ccert --generate --key-out dev.key --out dev.crt 2>/dev/null

start_server() {
  "$bin" serve --db "$dir/db" --tls-port 0 >out 2>log &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening https' out 2>/dev/null && break; sleep 0.1; done
  port=$(awk '/^listening https/ {print $3}' out)
  [ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }
}
stop_server() { kill -TERM "$pid"; wait "$pid"; pid=; }
# psk_request REQUEST — sent over TLS-PSK with the PSK added before any rotation; the
# response in resp.
psk_request() {
  printf '%b' "$1" | timeout 10 openssl s_client -quiet -tls1_3 -connect "127.0.0.1:$port" \
    -psk_identity dev@trustcse.test -psk "$psk" >resp 2>/dev/null
}
# check_psk NAME — the AE registered over the PSK reads itself back.
check_psk() {
  psk_request "$(get Cdev /cse-in/dev)"
  [ "$(rsc_of resp)" = 2000 ] && pass || fail "$1: PSK request answered '$(rsc_of resp)'"
}
server_fp() {
  timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256
}
digest() { sha256sum "$1" | cut -d' ' -f1; }

start_server
psk_request "$(post Cdev /cse-in 2 '{"m2m:ae":{"rn":"dev","api":"Ndev","rr":false,"srv":["3"]}}')"
[ "$(rsc_of resp)" = 2001 ] && pass || fail "AE registration over the PSK: '$(rsc_of resp)'"
check_psk before
fp_before=$(server_fp)
[ -n "$fp_before" ] || fail "no server certificate"
k1=$(digest "$key")
# --- refused while the server runs: nothing changes -------------------------------------------
cse key rotate >rot.out 2>rot.err; rc=$?
[ "$rc" = 1 ] && grep -q "a trustcse server is running on .*stop it first" rot.err && pass ||
  fail "rotate while running: rc=$rc $(cat rot.err)"
[ "$(digest "$key")" = "$k1" ] && [ ! -e "$key.new" ] && pass || fail "running: key touched"
stop_server
# --- refused with the key in the environment ---------------------------------------------------
TRUSTCSE_MASTER_KEY=$(cat "$key") cse key rotate >rot.out 2>rot.err; rc=$?
[ "$rc" = 2 ] && grep -q 'TRUSTCSE_MASTER_KEY, which this command cannot change' rot.err && pass ||
  fail "rotate with env: rc=$rc $(cat rot.err)"

# --- the rotation ------------------------------------------------------------------------------
cp "$key" k1.copy
cse key rotate --batch 1 >rot.out 2>rot.err; rc=$?
[ "$rc" = 0 ] && pass || fail "rotate: rc=$rc $(cat rot.err)"
# The certificate credential holds no sealed value: one PSK, the CA key, the TLS key, the audit
# log's signing key.
grep -q "^re-sealed credential: 1/1" rot.err &&
  grep -q "^re-sealed ca: 1/1" rot.err && grep -q "^re-sealed tls: 1/1" rot.err &&
  grep -q "^re-sealed audit.key: 1/1" rot.err && pass || fail "no progress: $(cat rot.err)"
grep -q "master key rotated: 4 sealed values" rot.out && grep -q "the old key is in $key.old" rot.out &&
  pass || fail "summary: $(cat rot.out)"
[ "$(digest "$key")" != "$k1" ] && pass || fail "the key did not change"
cmp -s "$key.old" k1.copy && pass || fail "the retired key is not the old key"
[ "$(stat -c %a "$key")" = 600 ] && [ "$(stat -c %a "$key.old")" = 600 ] && pass ||
  fail "key modes $(stat -c %a "$key" "$key.old")"
[ ! -e "$key.new" ] && pass || fail "$key.new left behind"
grep -q "$psk" rot.out rot.err && fail "the PSK was printed" || pass
start_server
check_psk after-rotation
[ "$(server_fp)" = "$fp_before" ] && pass || fail "the server key was not kept: it did not open"
stop_server
# The old key alone opens nothing now: the server refuses to start on it (a sealed value does
# not open) rather than run without its secrets.
TRUSTCSE_MASTER_KEY=$(cat k1.copy) "$bin" serve --db "$dir/db" --tls-port 0 >out 2>log; rc=$?
[ "$rc" != 0 ] && pass || fail "the retired key still opens the instance"

# --- a second rotation does not overwrite a retired key ---------------------------------------
k2=$(digest "$key")
cse key rotate >rot.out 2>rot.err; rc=$?
[ "$rc" = 1 ] && grep -q "$key.old (the key an earlier rotation retired) is still here" rot.err &&
  pass || fail "retired key kept: rc=$rc $(cat rot.err)"
[ "$(digest "$key")" = "$k2" ] && pass || fail "refused rotation changed the key"
mv "$key.old" k1.retired

# --- an unfinished rotation blocks the instance until it is finished ---------------------------
(umask 077 && openssl rand -hex 32 >"$key.new")
k3=$(digest "$key.new")
cse serve --tls-port 0 >out 2>log; rc=$?
[ "$rc" = 2 ] && grep -q "a master key rotation is unfinished ($key.new exists)" log && pass ||
  fail "serve with $key.new: rc=$rc $(cat log)"
cse credential list >out 2>err; rc=$?
[ "$rc" = 2 ] && grep -q "rotation is unfinished" err && pass || fail "list with .new: rc=$rc"
cse key rotate >rot.out 2>rot.err; rc=$?
[ "$rc" = 0 ] && grep -q "^resuming the master key rotation" rot.err && pass ||
  fail "resume: rc=$rc $(cat rot.err)"
[ "$(digest "$key")" = "$k3" ] && pass || fail "resumed rotation did not install $key.new"
start_server
check_psk after-resume
stop_server
# Stopped between the two renames: the old key already retired, the new one not yet in place.
rm "$key.old"
mv "$key" "$key.old"
(umask 077 && openssl rand -hex 32 >"$key.new")
k4=$(digest "$key.new")
cse key rotate >rot.out 2>rot.err; rc=$?
[ "$rc" = 0 ] && [ "$(digest "$key")" = "$k4" ] && [ "$(digest "$key.old")" = "$k3" ] && pass ||
  fail "finish after the first rename: rc=$rc $(cat rot.err)"
start_server
check_psk after-second-resume
stop_server
finish key_rotate
