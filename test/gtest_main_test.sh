#!/usr/bin/env bash
# The gtest main of every test binary (gtest_main.cc) against its probe (gtest_main_probe.cc),
# through ctest itself with the properties gtest_discover_tests gives every test: a suite whose
# SetUpTestSuite throws or fails fatally is Failed (not ctest's "Skipped", which counts as a
# pass); a test that skips itself on purpose is Skipped; a failure followed by a skip Failed; a
# plain pass Passed. Usage: gtest_main_test.sh path/to/gtest_main_probe
set -uo pipefail
probe=$(realpath "${1:?usage: gtest_main_test.sh path/to/gtest_main_probe}")
dir=$(mktemp -d /tmp/trustcse-gtest-main-XXXXXX)
trap 'rm -rf "$dir"' EXIT
# Each case as gtest_discover_tests would register it (its default skip pattern included).
{
  for c in ThrowingSetUp.WouldPass FatalSetUp.WouldPass Plain.Passes Plain.SkipsOnPurpose \
           Plain.FailsThenSkips; do
    printf 'add_test([=[%s]=] %s [==[--gtest_filter=%s]==])\n' "$c" "$probe" "$c"
    printf 'set_tests_properties([=[%s]=] PROPERTIES SKIP_REGULAR_EXPRESSION [==[\\[  SKIPPED \\]]==])\n' "$c"
  done
} >"$dir/CTestTestfile.cmake"
(cd "$dir" && ctest >ctest.out 2>&1)
fails=0
verdict() {  # TEST WANT — ctest's verdict for one test
  local got
  got=$(grep -E "Test +#[0-9]+: $1 " "$dir/ctest.out" | grep -oE '(Passed|\*\*\*Failed|\*\*\*Skipped)' | tr -d '*')
  [ "$got" = "$2" ] || { fails=$((fails + 1)); echo "FAIL $1: ctest says '$got', want $2"; }
}
verdict ThrowingSetUp.WouldPass Failed
verdict FatalSetUp.WouldPass Failed
verdict Plain.Passes Passed
verdict Plain.SkipsOnPurpose Skipped
verdict Plain.FailsThenSkips Failed
# The failure names the suite whose set-up failed.
out=$("$probe" --gtest_filter='ThrowingSetUp.*' 2>&1)
grep -q 'not run: SetUpTestSuite of ThrowingSetUp failed' <<<"$out" ||
  { fails=$((fails + 1)); echo "FAIL: no failure naming the suite's set-up"; }
[ "$fails" = 0 ] || cat "$dir/ctest.out"
[ "$fails" = 0 ]
