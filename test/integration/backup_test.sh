#!/usr/bin/env bash
# Black-box test of `trustcse backup` and of who may open an instance's store.
# backup: taken while the server writes, it reports progress, writes an owner-only file that
# passes SQLite's integrity check, and restores (with the instance's master key) into a server
# that knows the same credential and resources; an existing --out is refused untouched.
# Ownership: a command that would open the store in its own process (serve, an offline
# operator command, key rotate, backup) refuses when it does not run as the database's owner —
# root on a service user's instance, another user on root's — and leaves no file behind.
# Usage: backup_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: backup_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test backup
cse() { "$bin" "$@" --db "$dir/db"; }
psk=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
must cse ca init --cn "trustcse backup test CA" --out ca.pem >/dev/null
must cse credential add --psk-identity dev@trustcse.test --psk "$psk" --id Cdev >/dev/null

start_server() {  # DB — plain HTTP on a free port, in $port
  "$bin" serve --db "$1" --dev --http-port 0 >out 2>log &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening http ' out 2>/dev/null && break; sleep 0.1; done
  port=$(awk '/^listening http / {print $3}' out)
  [ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }
}
stop_server() { kill -TERM "$pid"; wait "$pid"; pid=; }
req() {  # METHOD PATH [TY BODY] — the response status (X-M2M-RSC)
  local args=(-s -o /dev/null -D - -X "$1" -H 'X-M2M-Origin: Capp' -H 'X-M2M-RI: r'
              -H 'X-M2M-RVI: 3')
  [ $# -gt 2 ] && args+=(-H "Content-Type: application/json;ty=$3" -d "$4")
  curl "${args[@]}" "http://127.0.0.1:$port$2" | tr -d '\r' |
    awk -F': ' 'tolower($1)=="x-m2m-rsc" {print $2}'
}

start_server "$dir/db"
[ "$(req POST /cse-in 2 '{"m2m:ae":{"rn":"app","api":"Napp","rr":false,"srv":["3"]}}')" = 2001 ] &&
  pass || fail "AE not created"
[ "$(req POST /cse-in/app 3 '{"m2m:cnt":{"rn":"c"}}')" = 2001 ] && pass || fail "container"
for i in $(seq 300); do req POST /cse-in/app/c 4 "{\"m2m:cin\":{\"con\":\"$i $(printf '%0600d' 0)\"}}" >/dev/null; done
# Writes go on while the backup runs.
( for i in $(seq 2000); do req POST /cse-in/app/c 4 '{"m2m:cin":{"con":"during"}}' >/dev/null || break; done ) &
writer=$!

# --- the backup, online -------------------------------------------------------------------------
cse backup --out b1.db --pages 2 >bk.out 2>bk.err; rc=$?
[ "$rc" = 0 ] && pass || fail "backup: rc=$rc $(cat bk.err)"
grep -q 'copied [0-9]*/[0-9]* pages (100%)' bk.err && [ "$(grep -c '^copied' bk.err)" -ge 5 ] &&
  pass || fail "no progress: $(cat bk.err)"
grep -q "written to b1.db (.*integrity ok)" bk.out && grep -q "master key" bk.out && pass ||
  fail "summary: $(cat bk.out)"
[ "$(stat -c %a b1.db)" = 600 ] && pass || fail "backup mode $(stat -c %a b1.db)"
[ ! -e b1.db.partial ] && [ ! -e b1.db-wal ] && pass || fail "files left beside the backup"
[ "$(sqlite3 b1.db 'PRAGMA integrity_check')" = ok ] && pass || fail "integrity"
n=$(sqlite3 b1.db 'SELECT count(*) FROM resources WHERE ty = 4')
[ "$n" -ge 300 ] && pass || fail "the backup holds $n instances, not the 300 written before"
# --- an existing target is refused untouched ------------------------------------------------------
echo precious >b2.db
cse backup --out b2.db >bk.out 2>bk.err; rc=$?
[ "$rc" = 1 ] && grep -q "b2.db exists; nothing was written" bk.err && [ "$(cat b2.db)" = precious ] &&
  pass || fail "existing out: rc=$rc $(cat bk.err)"
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
stop_server

# --- restore into a fresh directory, with the instance's master key ----------------------------
mkdir r && cp b1.db r/db && cp master.key r/master.key && chmod 600 r/master.key
"$bin" credential list --db r/db >list.out 2>list.err && grep -q Cdev list.out && pass ||
  fail "restored credentials: $(cat list.out list.err)"
start_server "$dir/r/db"
[ "$(req GET /cse-in/app/c/ol)" = 2000 ] && pass || fail "restored resources"
stop_server

# --- who may open the store ---------------------------------------------------------------------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  # root on an instance that belongs to a service user (here: nobody)
  mkdir svc && cp b1.db svc/db && cp master.key svc/master.key && chown -R nobody svc
  for cmd in "credential list" "key rotate" "backup --out $dir/b3.db"; do
    # shellcheck disable=SC2086
    "$bin" $cmd --db svc/db >o 2>e; rc=$?
    [ "$rc" = 1 ] && grep -q "svc/db belongs to nobody, and this command runs as root" e &&
      grep -q "sudo -u nobody" e && pass || fail "root $cmd: rc=$rc $(cat e)"
  done
  "$bin" serve --db svc/db --dev --http-port 0 >o 2>e; rc=$?
  [ "$rc" = 1 ] && grep -q "cannot start: .*belongs to nobody" e && pass ||
    fail "root serve: rc=$rc $(cat e)"
  [ -z "$(find svc -user root)" ] && [ ! -e b3.db ] && pass ||
    fail "root left files: $(find svc -user root)"
  # the owner itself may
  chmod 755 "$dir"
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$bin" credential list --db svc/db >o 2>e &&
    grep -q Cdev o && pass || fail "owner refused: $(cat e)"
  # another user on root's instance
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$bin" credential list --db "$dir/db" \
    >o 2>e; rc=$?
  [ "$rc" = 1 ] && grep -q "belongs to root, and this command runs as nobody" e && pass ||
    fail "nobody on root's: rc=$rc $(cat e)"
  # root creating a new instance in a directory a service user owns
  mkdir fresh && chown nobody fresh
  "$bin" ca init --db fresh/db --out fresh-ca.pem >o 2>e; rc=$?
  [ "$rc" = 1 ] && grep -q "fresh belongs to nobody" e && [ -z "$(ls -A fresh)" ] && pass ||
    fail "root in nobody's directory: rc=$rc $(cat e) $(ls -A fresh)"
else
  echo "ownership checks need root and a user 'nobody'; skipped"
fi
finish backup
