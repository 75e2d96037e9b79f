#!/usr/bin/env bash
# Runs every conformance case (test/conformance/run.py) against a fresh trustcse: plain HTTP,
# the upper tester on (each group starts from a Reset), a new database. Fails on any failure
# not listed in known_deviations.txt and on a listed case that passes.
# Usage: conformance_test.sh path/to/trustcse
set -uo pipefail
bin=${1:?usage: conformance_test.sh path/to/trustcse}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$(mktemp -d /tmp/trustcse-conformance-XXXXXX)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$dir"' EXIT
"$bin" serve --db "$dir/db" --dev --upper-tester --http-port 0 >"$dir/out" 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do grep -q '^listening http ' "$dir/out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening http / {print $3}' "$dir/out")
[ -n "$port" ] || { echo "trustcse did not start"; cat "$dir/log"; exit 1; }
PYTHONDONTWRITEBYTECODE=1 python3 "$here/run.py" --url "http://127.0.0.1:$port" \
  --known "$here/known_deviations.txt"
