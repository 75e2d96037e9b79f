#!/usr/bin/env bash
# Installs what is needed, builds trustcse (Release) and the CoAP client shim, then starts the
# CSE as scripts/serve.sh does: https://127.0.0.1:8443, enrolment on :8444, CoAP over DTLS on
# :5684/:5685 and, for trying things out, plain HTTP on :8080 and CoAP on :5683 (--dev), with
# the embedded SQLite store under ./var/ (config: trustcse.toml). Arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRUSTCSE_BUILD_TESTS=OFF \
      -DTRUSTCSE_BUILD_BENCH=OFF >/dev/null
cmake --build build --target trustcse onem2m_coap_client_shim
exec scripts/serve.sh "$@"
