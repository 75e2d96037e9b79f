// Not a test of trustcse: the probe that test/gtest_main_test.sh runs (through ctest) to show
// that the gtest main of every test binary (gtest_main.cc) reports a suite whose set-up failed
// as a failure, never as ctest's "Skipped", and keeps intentional skips skipped.
// Registered with ctest only through that script (one case at a time, by filter).
#include <gtest/gtest.h>

#include <stdexcept>

namespace {

class ThrowingSetUp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { throw std::runtime_error("the server did not start"); }
};
TEST_F(ThrowingSetUp, WouldPass) { SUCCEED(); }

class FatalSetUp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { FAIL() << "the server did not start (fatal failure)"; }
};
TEST_F(FatalSetUp, WouldPass) { SUCCEED(); }

TEST(Plain, Passes) { SUCCEED(); }
TEST(Plain, SkipsOnPurpose) { GTEST_SKIP() << "a case marked as a known defect"; }
TEST(Plain, FailsThenSkips) {
  ADD_FAILURE() << "a real failure";
  GTEST_SKIP() << "which a skip must not hide";
}

}  // namespace
