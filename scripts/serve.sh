#!/usr/bin/env bash
# Starts the CSE built in build/ (or $TRUSTCSE_BUILD) from the repository root with
# trustcse.toml and --dev; builds and installs nothing (scripts/start.sh does both, then this).
# Arguments go to `trustcse serve` (e.g. --http-port 9080). The README test starts it this way.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TRUSTCSE_BUILD:-build}/src/trustcse
[ -x "$bin" ] || { echo "serve.sh: $bin not found; run scripts/start.sh (it builds it)" >&2; exit 2; }
mkdir -p var
# First start: the built-in CA, which issues the HTTPS server certificate (var/ca.pem is the
# trust anchor for clients: curl --cacert var/ca.pem https://localhost:8443/…).
if [ ! -f var/ca.pem ]; then
  "$bin" ca init --config trustcse.toml --out var/ca.pem
fi
# --dev adds plain HTTP on 127.0.0.1:8080 and plain CoAP on :5683 for trying things out.
exec "$bin" serve --config trustcse.toml --dev "$@"
