#!/usr/bin/env bash
# Black-box test of the audit log (AUD-1, docs/audit.md) through the real server and CLI:
# denied requests, a credential added and revoked and the operator's actions become entries;
# `trustcse audit export` writes a bundle that `trustcse audit verify` checks offline — with
# no network (unshare -n where the machine allows) and no store, only the verifier key; a single
# entry's C2SP tlog-proof verifies for its entry and not another; after one byte of the store's
# audit data is changed, a new export no longer verifies and verify names the changed entry;
# a bundle edited after export is refused too. Usage: audit_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: audit_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test audit
cse() { "$bin" "$@" --db "$dir/db"; }
# Offline: in a network namespace of its own where possible (no interface but a down loopback).
offline() {
  if unshare -n true 2>/dev/null; then unshare -n "$bin" "$@"; else "$bin" "$@"; fi
}

"$bin" serve --db "$dir/db" --dev --http-port 0 >out 2>log &
pid=$!
for _ in $(seq 100); do grep -q '^listening http ' out 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening http / {print $3}' out)
[ -n "$port" ] || { echo "server did not start"; cat log; exit 1; }

# Three denials (unregistered originators), then operator actions through the admin socket.
for i in 1 2 3; do
  curl -s -o /dev/null -H "X-M2M-Origin: Cstranger$i" -H 'X-M2M-RI: r' -H 'X-M2M-RVI: 3' \
    "http://127.0.0.1:$port/cse-in"
done
must cse credential add --psk-identity dev@trustcse.test \
  --psk 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff --id Cdev >/dev/null
must cse credential revoke dev@trustcse.test >/dev/null

# The log key is public: anyone may have it.
cse audit key >log.pub 2>err && grep -qE '^trustcse/id-in/audit\+[0-9a-f]{8}\+' log.pub && pass ||
  fail "audit key: $(cat log.pub err)"
# A checkpoint is signed within a second of the last entry.
ok=
for _ in $(seq 50); do
  rm -f b1
  if cse audit export --out b1 >exp.out 2>exp.err; then
    n=$(grep -c '^entry ' b1)
    grep -q '"credential.revoked"' <(grep '^entry ' b1 | cut -d' ' -f3 | base64 -d 2>/dev/null |
      sed 's/}/}\n/g') && ok=1 && break
  fi
  sleep 0.2
done
[ -n "$ok" ] && pass || fail "no checkpoint covering the revocation: $(cat exp.out exp.err)"
[ "$(stat -c %a b1)" = 600 ] && pass || fail "bundle mode $(stat -c %a b1)"
entries() { grep '^entry ' "$1" | while read -r _ _ b; do printf '%s\n' "$b" | base64 -d; echo; done; }
entries b1 >entries.txt
grep -c '"kind":"access.denied"' entries.txt | grep -qx 3 && pass || fail "denials: $(cat entries.txt)"
grep -q '"actor":"Cstranger2"' entries.txt && pass || fail "denied originator not named"
grep -q '"kind":"credential.issued"' entries.txt && grep -q '"kind":"credential.revoked"' entries.txt &&
  pass || fail "credential events: $(cat entries.txt)"
grep -q '"kind":"admin"' entries.txt && pass || fail "operator actions: $(cat entries.txt)"
grep -q '001122334455' entries.txt b1 && fail "the PSK reached the audit log" || pass

# Offline verification of the whole bundle, and of one entry's tlog-proof.
offline audit verify b1 --key log.pub >v.out 2>v.err && grep -q "^verified: entries 0\.\.$((n - 1)) are in trustcse/id-in/audit" v.out &&
  pass || fail "verify: $(cat v.out v.err)"
cse audit prove 1 --entry-out e1 >p1 2>err && head -2 p1 | grep -qx 'index 1' && pass ||
  fail "prove: $(cat p1 err)"
offline audit verify p1 --key "$(cat log.pub)" --entry e1 >/dev/null 2>&1 && pass || fail "tlog-proof"
cse audit prove 2 --entry-out e2 >/dev/null 2>&1
offline audit verify p1 --key log.pub --entry e2 >/dev/null 2>v.err; rc=$?
[ "$rc" = 1 ] && grep -q "entry 1" v.err && pass || fail "proof for another entry: rc=$rc $(cat v.err)"
# Another log's key verifies nothing.
other='trustcse/id-in/audit+00000000+AeYcHld9NwIcTN/USzGzQCj7srQgS1gwhTsQFWLdEHGP'
offline audit verify b1 --key "$other" >/dev/null 2>&1 && fail "verified under a wrong key" || pass

# A bundle edited after export: one character of entry 2.
sed '0,/^entry 2 /s/^\(entry 2 .\{20\}\)./\1A/' b1 >b1.edited
cmp -s b1 b1.edited && sed '0,/^entry 2 /s/^\(entry 2 .\{20\}\)./\1B/' b1 >b1.edited
offline audit verify b1.edited --key log.pub >/dev/null 2>v.err; rc=$?
[ "$rc" = 1 ] && grep -q "entry 2" v.err && pass || fail "edited bundle: rc=$rc $(cat v.err)"

# One byte of the store's audit data changed: a new export is refused and names the entry.
kill -TERM "$pid"; wait "$pid"; pid=
sqlite3 "$dir/db" "UPDATE objects SET body = replace(body, 'Cstranger2', 'Cstranger7')
                   WHERE kind = 'audit.entry' AND body LIKE '%Cstranger2%'" || fail "tamper"
rm -f b2
cse audit export --out b2 >/dev/null 2>err || fail "export after tampering: $(cat err)"
offline audit verify b2 --key log.pub >/dev/null 2>v.err; rc=$?
[ "$rc" = 1 ] && grep -q "entry 1 does not verify" v.err && pass ||
  fail "tampered store: rc=$rc $(cat v.err)"
# And an existing --out is never overwritten.
cse audit export --out b1 >/dev/null 2>err; rc=$?
[ "$rc" = 1 ] && grep -q "File exists" err && pass || fail "overwrite: rc=$rc $(cat err)"
finish audit
