#!/usr/bin/env bash
# Installs what is needed, builds everything (Release) and runs every test with ctest, then the
# fuzz targets for a bounded time (FUZZ_SECONDS per target, default 20; 0 skips them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
# Includes follow the layer order of src/layers.txt (also a ctest test, with a planted one).
python3 scripts/check_layers.py
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRUSTCSE_BUILD_TESTS=ON \
      -DTRUSTCSE_BUILD_BENCH=ON >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 300
fuzz_seconds=${FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" -gt 0 ] && [ -f test/fuzz/CMakeLists.txt ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DTRUSTCSE_BUILD_TESTS=OFF -DTRUSTCSE_BUILD_BENCH=OFF -DTRUSTCSE_BUILD_FUZZ=ON >/dev/null
  cmake --build build-fuzz -j "$jobs" --target http_request_fuzz address_fuzz filter_criteria_fuzz content_fuzz acp_fuzz \
      enrolment_fuzz cbor_fuzz coap_request_fuzz mqtt_request_fuzz ws_message_fuzz audit_note_fuzz \
      audit_consistency_fuzz trust_fields_fuzz item_file_fuzz
  bash test/fuzz/run_fuzzers.sh build-fuzz "$fuzz_seconds"
fi
