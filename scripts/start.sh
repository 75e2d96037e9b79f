#!/usr/bin/env bash
# Installs what is needed, builds trustcse (Release) and starts the CSE on
# http://127.0.0.1:8080 with the embedded SQLite store under ./var/ (config: trustcse.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRUSTCSE_BUILD_TESTS=OFF \
      -DTRUSTCSE_BUILD_BENCH=OFF >/dev/null
cmake --build build --target trustcse
mkdir -p var
exec build/src/trustcse serve --config trustcse.toml "$@"
