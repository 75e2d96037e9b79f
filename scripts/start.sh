#!/usr/bin/env bash
# Installs what is needed, builds trustcse (Release) and starts the CSE on
# http://127.0.0.1:8080 (development) and https://127.0.0.1:8443 with the embedded SQLite store
# under ./var/ (config: trustcse.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRUSTCSE_BUILD_TESTS=OFF \
      -DTRUSTCSE_BUILD_BENCH=OFF >/dev/null
cmake --build build --target trustcse
mkdir -p var
# First start: the built-in CA, which issues the HTTPS server certificate (var/ca.pem is the
# trust anchor for clients: curl --cacert var/ca.pem https://localhost:8443/…).
if [ ! -f var/ca.pem ]; then
  build/src/trustcse ca init --config trustcse.toml --out var/ca.pem
fi
# --dev adds plain HTTP on 127.0.0.1:8080 for trying things out; HTTPS listens on 8443.
exec build/src/trustcse serve --config trustcse.toml --dev "$@"
