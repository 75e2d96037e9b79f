// The main() of every gtest binary (trustcse_test in test/CMakeLists.txt), in place of
// GTest::gtest_main, so that a test suite whose set-up failed is a failure in ctest.
//
// When a suite's SetUpTestSuite throws or fails fatally (a server that did not start),
// googletest does not run its tests but "skips" them, printing "[  SKIPPED ]" — and CMake's
// gtest_discover_tests makes exactly that text ctest's SKIP_REGULAR_EXPRESSION, which ctest
// counts as success: a broken suite would pass CI. Here each such test gets a failure of its
// own, naming the suite's set-up, so googletest reports it FAILED (a failure outweighs a skip)
// and never prints "[  SKIPPED ]" for it. Tests that skip themselves (GTEST_SKIP) in a run
// with no failure stay skipped.
#include <gtest/gtest.h>

namespace {

class SuiteSetUpFailures final : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo& info) override {
    const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    if (suite == nullptr || !suite->ad_hoc_test_result().Failed()) return;
    // Only googletest's skip path starts a test after its suite's set-up failed.
    ADD_FAILURE() << "not run: SetUpTestSuite of " << info.test_suite_name()
                  << " failed (see the failure above)";
  }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::UnitTest::GetInstance()->listeners().Append(new SuiteSetUpFailures);
  return RUN_ALL_TESTS();
}
