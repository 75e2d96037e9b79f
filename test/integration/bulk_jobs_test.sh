#!/usr/bin/env bash
# Black-box test of the trust centre's bulk jobs (issue 17, OP-2 "in bulk"; docs/trust-centre.md)
# through the real CLI and server:
#   - a malformed file is refused before anything changes, naming the item;
#   - 100,000 machines imported from a CSV file in process, the CLI killed (-9) midway and the
#     same command run again: it resumes where the job stands, and every machine is there once;
#   - 100,000 subscriptions imported from a JSON Lines file through the running server;
#   - a bulk suspend of the 100,000 through the server, the server killed (-9) midway: after the
#     restart exactly the batches the job's progress counts are suspended (the batch and its
#     progress commit together), the same command resumes it, and no batch is applied twice;
#   - the job run again reports it finished; a failed item is listed with its position;
#   - every batch in the audit log with the operator, the job, the items' range and digest.
# Needs jq and python3. Usage: bulk_jobs_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: bulk_jobs_test.sh path/to/trustcse}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test bulk
cse() { "$bin" "$@" --db "$dir/db"; }
n=100000

must cse ca init --out ca.pem
sp=$(cse provider add --company "Acme Metering" --contact ops@acme.example | jq -r .provider.id)
app=$(cse app add --provider "$sp" --name meters --class NBN --practice-statement cps |
      jq -r .application.id)
[ "$app" = "R$sp-1" ] || { echo "setup failed: app '$app'"; exit 1; }

python3 - "$app" "$n" <<'EOF'
import json, sys
app, n = sys.argv[1], int(sys.argv[2])
with open("machines.csv", "w") as f:
    f.write("id,app,entities,purpose,location\n")
    for i in range(n):
        f.write(f'm{i:06d},{app},Cm{i:06d},"metering, hall {i % 7}",Pune\n')
with open("subscriptions.jsonl", "w") as f:
    for i in range(n):
        f.write(json.dumps({"machine": f"m{i:06d}", "id": f"s{i:06d}", "state": "active",
                            "profile": {"operations": ["create", "retrieve"], "rate": 2}}) + "\n")
with open("ids.csv", "w") as f:
    f.write("id\n")
    for i in range(n):
        f.write(f"s{i:06d}\n")
with open("bad.csv", "w") as f:
    f.write("id,app\nx1,%s\nx2,%s,extra\n" % (app, app))
EOF

# A malformed file changes nothing and names the item.
if cse device import bad.csv >out 2>err; then fail "a malformed file accepted"; fi
grep -q "item 2: 3 cells, the header names 2; nothing was changed" err && pass ||
  fail "malformed file: $(cat err)"
[ "$(cse device list | jq '.devices | length')" = 0 ] && pass || fail "a malformed file changed something"

# 1. Import in process, the CLI killed midway, then resumed by the same command.
# (the binary itself in the background, not the cse function: $! must be its pid)
"$bin" device import machines.csv --job import-1 --batch 200 --db "$dir/db" >import.out 2>import.err &
cli=$!
for _ in $(seq 600); do
  grep -q "(\(1\|2\|3\|4\|5\)0%)" import.err 2>/dev/null && break
  sleep 0.05
done
kill -9 "$cli" 2>/dev/null
wait "$cli" 2>/dev/null
grep -q "of $n items" import.err && ! grep -q "(100%)" import.err && pass ||
  fail "the import was not killed midway: $(cat import.err)"
cse device import machines.csv --job import-1 --batch 200 >import.out 2>import.err ||
  fail "resumed import: $(cat import.err)"
grep -q "resuming job import-1 at item [1-9]" import.err && pass ||
  fail "the import did not resume: $(head -3 import.err)"
jq -e ".done == $n and .changed == $n and .failed == 0 and .finished" import.out >/dev/null &&
  pass || fail "import job: $(cat import.out)"
count_pages() {  # count_pages OP KEY [STATE] — walks the listing 10,000 at a time
  local after="" total=0 got next
  while :; do
    read -r got next < <(cse "$1" list --limit 10000 ${after:+--after "$after"} | python3 -c '
import json, sys
page = json.load(sys.stdin)
want = sys.argv[2] if len(sys.argv) > 2 else None
print(sum(1 for r in page[sys.argv[1]] if want is None or r["state"] == want), page.get("next", "-"))
' "$2" ${3:-})
    total=$((total + got))
    [ "$next" = - ] && break
    after=$next
  done
  echo "$total"
}
cse device show --id m054321 | jq -e '.device.entities == ["Cm054321"] and
  .device.purpose == "metering, hall 1" and .device.history[0].by == "cli:'"$(id -un)"'"' \
  >/dev/null && pass || fail "an imported machine: $(cse device show --id m054321)"

# 2. The rest through the running server.
start_server() {
  "$bin" serve --db "$dir/db" --dev --http-port 0 >>server.out 2>>server.log &
  pid=$!
  for _ in $(seq 200); do cse status >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "server did not start"; cat server.log; exit 1
}
start_server
[ "$(count_pages device devices)" = "$n" ] && pass || fail "machines after the import"
cse subscription import subscriptions.jsonl >subs.out 2>subs.err || fail "subscription import: $(cat subs.err)"
jq -e ".done == $n and .changed == $n" subs.out >/dev/null && pass || fail "subscriptions: $(cat subs.out)"

# 3. A bulk suspend, the server killed midway; after the restart, what the job counts is done.
"$bin" subscription bulk --to suspended --reason "signalling storm" ids.csv --job storm-1 \
  --batch 200 --db "$dir/db" >bulk.out 2>bulk.err &
cli=$!
for _ in $(seq 600); do
  done_now=$(cse bulk show --job storm-1 2>/dev/null | jq -r '.job.done // 0')
  [ "${done_now:-0}" -ge 20000 ] && break
  sleep 0.05
done
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=
wait "$cli"; rc=$?
[ "$rc" = 1 ] && grep -q "run the same command again to resume" bulk.err && pass ||
  fail "the CLI on a killed server: rc $rc, $(cat bulk.err)"
start_server
stood=$(cse bulk show --job storm-1 | jq -r .job.done)
[ "$stood" -gt 0 ] && [ "$stood" -lt "$n" ] && pass || fail "not killed midway: done $stood"
suspended=$(count_pages subscription subscriptions suspended)
[ "$suspended" = "$stood" ] && pass ||
  fail "the store and the job's progress disagree: $suspended suspended, the job says $stood"
cse subscription bulk --to suspended --reason "signalling storm" ids.csv --job storm-1 \
  --batch 200 >bulk.out 2>bulk.err || fail "resumed bulk: $(cat bulk.err)"
grep -q "resuming job storm-1 at item $((stood + 1)) of $n" bulk.err && pass ||
  fail "the bulk suspend did not resume at $((stood + 1)): $(head -3 bulk.err)"
# Every subscription moved once: applied n times in all, none found already suspended.
jq -e ".done == $n and .changed == $n and .unchanged == 0 and .failed == 0" bulk.out >/dev/null &&
  pass || fail "bulk job: $(cat bulk.out)"
[ "$(count_pages subscription subscriptions suspended)" = "$n" ] && pass ||
  fail "not all suspended"
cse subscription show --id s099999 | jq -e '.subscription.history[-1] |
  .to == "suspended" and .reason == "signalling storm (bulk job storm-1)"' >/dev/null && pass ||
  fail "history: $(cse subscription show --id s099999)"

# The same command again: finished, nothing sent. A failed item is listed by position.
cse subscription bulk --to suspended --reason "signalling storm" ids.csv --job storm-1 \
  >again.out 2>again.err && grep -q "has finished already" again.err && pass ||
  fail "a finished job: $(cat again.err)"
printf 'id\ns000001\nnope\n' >two.csv
if cse subscription bulk --to active two.csv >two.out 2>two.err; then fail "a failed item: exit 0"; fi
grep -q "item 2: no subscription nope" two.err && pass || fail "failed item: $(cat two.err)"
[ "$(cse subscription show --id s000001 | jq -r .subscription.state)" = active ] && pass ||
  fail "s000001 not resumed"
kill -TERM "$pid"; wait "$pid"; pid=

# 4. Every batch in the audit log: who, which job, which items, their digest.
cse audit export --out bundle >/dev/null 2>err || fail "audit export: $(cat err)"
python3 -c 'import base64, sys
for line in open("bundle"):
    if line.startswith("entry "): print(base64.b64decode(line.split()[2]).decode())' >entries.txt
# Each batch is on record before it is applied (status 1000), so that even the one in flight
# when the server was killed is: every range of the job is there, and the batches answered
# have their outcome (2000).
grep '"operation":"subscription.bulk"' entries.txt |
  grep -o 'job storm-1 to suspended (signalling storm) items [0-9]*-[0-9]*' |
  sort -u >ranges.txt
[ "$(wc -l <ranges.txt)" = $((n / 200)) ] && pass ||
  fail "bulk batches in the audit log: $(wc -l <ranges.txt), want $((n / 200))"
for status in 1000 2000; do
  grep '"operation":"subscription.bulk"' entries.txt | grep "\"status\":$status" |
    grep 'job storm-1 to suspended (signalling storm) items 99801-100000 sha256:[0-9a-f]\{64\}' |
    grep '"actor":"uid:' \
    >/dev/null && pass || fail "the last batch not logged with status $status, its range and digest"
done
# In process too, the batch in flight when the CLI was killed is on record.
grep '"operation":"device.import"' entries.txt | grep '"actor":"cli:' |
  grep -o 'job import-1 items [0-9]*-[0-9]*' | sort -u >ranges.txt
[ "$(wc -l <ranges.txt)" = $((n / 200)) ] && pass ||
  fail "import batches in the audit log: $(wc -l <ranges.txt), want $((n / 200))"
finish bulk
