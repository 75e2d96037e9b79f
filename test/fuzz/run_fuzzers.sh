#!/usr/bin/env bash
# Runs every libFuzzer target for a fixed time on a scratch copy of its seed corpus.
#
#   test/fuzz/run_fuzzers.sh <build-dir> [seconds-per-target]   (default 30)
#
# Builds nothing: configure and build a clang build with TRUSTCSE_BUILD_FUZZ=ON first. The
# checked-in corpus is never modified; new inputs and crash artifacts go to a temp directory,
# which is kept (and printed) when a fuzzer fails. Exits non-zero if any target crashed, leaked,
# timed out or is missing.
set -u

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 <build-dir> [seconds-per-target]" >&2
  exit 2
fi
build_dir=$1
seconds=${2:-30}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -eq 0 ]]; then
  echo "seconds must be a positive integer" >&2
  exit 2
fi

# Stack traces for UBSan findings too (ASan prints them anyway).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
targets=(http_request_fuzz address_fuzz filter_criteria_fuzz content_fuzz acp_fuzz enrolment_fuzz
         cbor_fuzz coap_request_fuzz mqtt_request_fuzz ws_message_fuzz audit_note_fuzz
         audit_consistency_fuzz trust_fields_fuzz item_file_fuzz)
work=$(mktemp -d "${TMPDIR:-/tmp}/trustcse-fuzz.XXXXXX")
failed=()

for t in "${targets[@]}"; do
  bin=""
  for candidate in "$build_dir/test/fuzz/$t" "$build_dir/$t" "$build_dir/fuzz/$t"; do
    if [[ -x $candidate ]]; then
      bin=$candidate
      break
    fi
  done
  if [[ -z $bin ]]; then
    echo "== $t: binary not found under $build_dir" >&2
    failed+=("$t (missing)")
    continue
  fi
  corpus="$work/$t/corpus"
  artifacts="$work/$t/artifacts"
  mkdir -p "$corpus" "$artifacts"
  if [[ -d $script_dir/corpus/$t ]]; then
    cp -R "$script_dir/corpus/$t/." "$corpus/"
  fi
  echo "== $t: ${seconds}s"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" >"$work/$t/log" 2>&1
  rc=$?
  grep -E '^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)' \
    "$work/$t/log" | sed 's/^/   /'
  if [[ $rc -ne 0 ]]; then
    echo "== $t FAILED (exit $rc); log: $work/$t/log" >&2
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$work/$t/log" | head -n 10 >&2
    failed+=("$t")
  fi
done

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "fuzzing failed: ${failed[*]}; artifacts and logs kept in $work" >&2
  exit 1
fi
rm -rf "$work"
echo "all fuzz targets ran ${seconds}s without findings"
