#!/usr/bin/env bash
# Black-box test of the audit log's retention and consistency (docs/audit.md) through the real
# server and CLI: denied requests become entries; `audit checkpoint` saves the newest signed
# checkpoint; `audit archive` writes bundles named by range with progress, and a second run
# rewrites nothing; `audit prune` is refused while the server runs and without an archive that
# covers the range (naming the range and the command), then deletes entries in batches with
# progress; export and prove of a pruned entry fail with the clear message, those of later
# entries still verify offline, and the server restarts and goes on signing; a consistency
# bundle from the early saved checkpoint to the newest verifies offline. Finally a fork: with
# one node of the stored tree changed the server refuses to sign (logged once); with the stored
# head removed too it signs the changed tree, and the two saved checkpoints of one size are
# reported as a fork by `audit compare` and by a consistency bundle.
# Usage: audit_archive_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: audit_archive_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test audit_archive
cse() { "$bin" "$@" --db "$dir/db"; }
offline() {
  if unshare -n true 2>/dev/null; then unshare -n "$bin" "$@"; else "$bin" "$@"; fi
}
serve() {
  : >out
  "$bin" serve --db "$dir/db" --dev --http-port 0 >out 2>>log &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening http ' out 2>/dev/null && break; sleep 0.1; done
  port=$(awk '/^listening http / {print $3}' out)
  [ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }
}
stop() { kill -TERM "$pid"; wait "$pid"; pid=; }
deny() {  # $1 requests from unregistered originators: one audit entry each
  for i in $(seq "$1"); do
    curl -s -o /dev/null -H "X-M2M-Origin: Cstranger$RANDOM" -H 'X-M2M-RI: r' -H 'X-M2M-RVI: 3' \
      "http://127.0.0.1:$port/cse-in"
  done
}
size_of() { sed -n 2p "$1"; }
wait_for_size() {  # until the newest checkpoint covers at least $1 entries
  for _ in $(seq 50); do
    cse audit checkpoint >head 2>/dev/null && [ "$(size_of head)" -ge "$1" ] && return 0
    sleep 0.2
  done
  return 1
}

serve
deny 12
wait_for_size 12 || fail "no checkpoint of 12 entries"
must cse audit checkpoint --out early >/dev/null
early_size=$(size_of early)
deny 26
wait_for_size $((early_size + 26)) || fail "no checkpoint after more denials"
n=$(size_of head)
cse audit key >log.pub 2>err || fail "audit key: $(cat err)"

# Archive in bundles of 10, with progress; then again: everything found, nothing rewritten.
cse audit archive --dir arch --per-bundle 10 >a1 2>err || fail "archive: $(cat a1 err)"
bundles=$(( (n + 9) / 10 ))
grep -qx "entries 0..9 archived: audit-00000000000000000000-00000000000000000009.bundle (1/$bundles)" a1 &&
  pass || fail "archive progress: $(cat a1)"
[ "$(ls arch | grep -c '\.bundle$')" = "$bundles" ] && pass || fail "bundles: $(ls arch)"
sums=$(cd arch && md5sum -- * && stat -c '%n %Y %i' -- *)
cse audit archive --dir arch --per-bundle 10 >a2 2>err || fail "archive again: $(cat err)"
grep -q "^archive arch: 0 bundles written, $bundles already there" a2 &&
  grep -qx "entries 10..19 already archived: audit-00000000000000000010-00000000000000000019.bundle verified (2/$bundles)" a2 &&
  pass || fail "archive resumed: $(cat a2)"
[ "$sums" = "$(cd arch && md5sum -- * && stat -c '%n %Y %i' -- *)" ] && pass || fail "archive rewrote files"
ok=1
for f in arch/*.bundle; do offline audit verify "$f" --key log.pub >/dev/null 2>err || ok=; done
[ -n "$ok" ] && pass || fail "an archived bundle does not verify offline: $(cat err)"

# Prune: not while the server runs; not without an archive covering the range.
cse audit prune --before 20 --archive arch >p0 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "a trustcse server is running on .*nothing was changed: stop it first" err &&
  pass || fail "prune beside a server: rc=$rc $(cat err)"
stop
mkdir partial && cp arch/*.bundle partial/ && rm partial/audit-00000000000000000010-*.bundle
cse audit prune --before 20 --archive partial >/dev/null 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "does not cover entries 10..19: run \`trustcse audit archive --dir partial --upto 20\` first" err &&
  pass || fail "prune without archive: rc=$rc $(cat err)"
cse audit export --from 0 --to 5 --out before-prune >/dev/null 2>&1 && pass || fail "nothing pruned yet"
cse audit prune --before 20 --archive arch --batch 7 >p1 2>err || fail "prune: $(cat p1 err)"
grep -qx "entries 0..6 pruned (7/20)" p1 && grep -qx "entries 14..19 pruned (20/20)" p1 &&
  pass || fail "prune progress: $(cat p1)"
cse audit prune --before 20 --archive arch >p2 2>&1 && grep -q "nothing to prune" p2 && pass ||
  fail "prune again: $(cat p2)"
# The prune itself is on record (one entry: the second run pruned nothing).
n=$((n + 1))
[ "$(sqlite3 "$dir/db" "SELECT count(*) FROM objects WHERE kind = 'audit.entry'")" = $((n - 20)) ] &&
  pass || fail "entries left after the prune"

# Pruned entries: a clear error. Later entries: export, prove and verify as before.
cse audit export --from 0 --to 10 --out pruned >/dev/null 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "entries before 20 were pruned; they are in the archive" err && pass ||
  fail "export of pruned entries: rc=$rc $(cat err)"
cse audit prove 3 >/dev/null 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "were pruned" err && pass || fail "prove of a pruned entry: rc=$rc $(cat err)"
cse audit export --from 20 --out later >/dev/null 2>err || fail "export after prune: $(cat err)"
offline audit verify later --key log.pub >v 2>err && grep -q "^verified: entries 20\.\.$((n - 1)) " v &&
  pass || fail "verify after prune: $(cat v err)"
grep '^entry ' later | tail -1 | cut -d' ' -f3 | base64 -d |
  grep '"operation":"audit.prune"' | grep -q "\"actor\":\"cli:$(id -un)\"" && pass ||
  fail "the prune is not on record"
cse audit prove 25 --entry-out e25 >p25 2>err && offline audit verify p25 --key log.pub --entry e25 >/dev/null 2>&1 &&
  pass || fail "prove after prune: $(cat err)"

# The server restarts on the pruned log and goes on signing; consistency with the early
# checkpoint verifies offline.
serve
deny 3
wait_for_size $((n + 3)) && pass || fail "no checkpoint after restarting on a pruned log: $(cat log)"
cse audit consistency early --out c1 >c.out 2>err && grep -q "(verified)" c.out && pass ||
  fail "consistency: $(cat c.out err)"
offline audit verify c1 --key log.pub >v 2>err &&
  grep -qx "verified: tree size $((n + 3)) extends tree size $early_size (trustcse/id-in/audit)" v &&
  pass || fail "verify consistency: $(cat v err)"
cse audit consistency --size 999999 --out c2 >/dev/null 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "keeps no checkpoint of tree size 999999" err && pass || fail "--size: $(cat err)"
stop

# A fork. The newest checkpoint A saved; the node over the first 2^k entries changed.
cse audit checkpoint --out A >/dev/null || fail "save A"
m=$(size_of A)
level=0; while [ $((1 << (level + 1))) -le "$m" ]; do level=$((level + 1)); done
node=$(printf '%02d.%020d' "$level" 0)
sqlite3 "$dir/db" "UPDATE objects SET body = '$(printf 'ab%.0s' $(seq 32))'
                   WHERE kind = 'audit.node' AND id = '$node'" || fail "tamper"
: >log
serve
sleep 2.5
stop
[ "$(grep -c "not consistent with checkpoint $m; it was changed outside the server" log)" -ge 1 ] &&
  pass || fail "no refusal logged: $(cat log)"
[ "$(grep "not consistent with checkpoint" log | grep -vc 'last checkpoint failed')" = 1 ] &&
  pass || fail "refusal not logged once: $(grep -c 'not consistent' log)"
cse audit checkpoint | cmp -s - A && pass || fail "a checkpoint was signed over the changed tree"
# With the stored head removed as well, the server has nothing to compare with: it signs.
sqlite3 "$dir/db" "DELETE FROM objects WHERE kind = 'audit.head' AND id = 'latest'" || fail "rm head"
serve
for _ in $(seq 50); do cse audit checkpoint --out B >/dev/null 2>&1 && break; sleep 0.2; done
stop
[ "$(size_of B)" = "$m" ] && ! cmp -s A B && pass || fail "no second checkpoint of size $m"
offline audit compare A B --key log.pub >/dev/null 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "fork: two different roots for tree size $m" err && pass ||
  fail "compare: rc=$rc $(cat err)"
offline audit compare A A --key log.pub >cmp.out 2>&1 && grep -q "^consistent: both" cmp.out && pass ||
  fail "compare of one checkpoint with itself: $(cat cmp.out)"
cse audit consistency A --out fork.c >/dev/null 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "does not verify: fork: two different roots for tree size $m" err && pass ||
  fail "consistency from A: rc=$rc $(cat err)"
offline audit verify fork.c --key log.pub >/dev/null 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "fork: two different roots for tree size $m" err && pass ||
  fail "verify of the fork bundle: rc=$rc $(cat err)"
finish audit_archive
