// Tests of BlockedBloom (common/blocked_bloom.h): never "not" for a key put in, few "perhaps"
// for keys not put in while within capacity, and more — never wrong — past it; Reset empties.
#include "common/blocked_bloom.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace trustcse {
namespace {

uint64_t H(uint64_t i) { return std::hash<std::string>{}("key" + std::to_string(i)); }

TEST(BlockedBloom, NoFalseNegativesAndFewFalsePositives) {
  BlockedBloom f(100000);
  for (uint64_t i = 0; i < 100000; ++i) f.Insert(H(i));
  for (uint64_t i = 0; i < 100000; ++i) ASSERT_TRUE(f.MayContain(H(i))) << i;
  size_t perhaps = 0;
  for (uint64_t i = 100000; i < 200000; ++i) perhaps += f.MayContain(H(i));
  EXPECT_LT(perhaps, 100000 * 3 / 100) << "false positives";  // about 1 %
  EXPECT_GT(perhaps, 0u);                                     // it is a filter, not a set
}

TEST(BlockedBloom, PastCapacityItDegradesWithoutLying) {
  BlockedBloom f(1000);
  for (uint64_t i = 0; i < 50000; ++i) f.Insert(H(i));
  for (uint64_t i = 0; i < 50000; ++i) ASSERT_TRUE(f.MayContain(H(i)));
  f.Reset(1000);
  size_t perhaps = 0;
  for (uint64_t i = 0; i < 1000; ++i) perhaps += f.MayContain(H(i));
  EXPECT_EQ(perhaps, 0u);  // empty again
  BlockedBloom none;       // capacity 0: one block, still correct
  none.Insert(H(1));
  EXPECT_TRUE(none.MayContain(H(1)));
}

}  // namespace
}  // namespace trustcse
