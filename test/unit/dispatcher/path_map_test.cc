// PathMap (dispatcher/path_map.h): hashed lookups plus ordered keys, so that EraseBelow drops
// exactly storage::IsBelow's subtree — checked against a plain model over random operations.
#include "dispatcher/path_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "storage/query.h"

namespace trustcse::dispatcher {
namespace {

TEST(PathMap, EraseBelowTakesTheSubtreeAndNotItsPrefixSiblings) {
  PathMap<int> m;
  for (const char* p : {"cse-in", "cse-in/ae1", "cse-in/ae1/cnt", "cse-in/ae1/cnt/cin",
                        "cse-in/ae10", "cse-in/ae1-x", "cse-in/ae2/cnt"}) {
    m.Set(p, 1);
  }
  std::vector<std::string> erased;
  EXPECT_EQ(m.EraseBelow("cse-in/ae1", [&](const std::string& p, int) { erased.push_back(p); }),
            2u);
  EXPECT_EQ(erased, (std::vector<std::string>{"cse-in/ae1/cnt", "cse-in/ae1/cnt/cin"}));
  EXPECT_TRUE(m.contains("cse-in/ae1"));  // the root itself is the caller's to erase
  EXPECT_TRUE(m.contains("cse-in/ae10"));
  EXPECT_TRUE(m.contains("cse-in/ae1-x"));
  EXPECT_EQ(m.size(), 5u);
  // Below nothing that exists: nothing happens.
  EXPECT_EQ(m.EraseBelow("cse-in/ae1/cnt/cin", [](const std::string&, int) {}), 0u);
}

TEST(PathMap, SetReplacesAndFindSeesTheNewValue) {
  PathMap<int> m;
  m.Set("a/b", 1);
  m.Set("a/b", 2);
  ASSERT_NE(m.Find("a/b"), nullptr);
  EXPECT_EQ(*m.Find("a/b"), 2);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_TRUE(m.Erase("a/b"));
  EXPECT_FALSE(m.Erase("a/b"));
  EXPECT_EQ(m.Find("a/b"), nullptr);
  // Erased keys are gone from the order too: a subtree erase finds nothing of them.
  m.Set("a", 0);
  EXPECT_EQ(m.EraseBelow("a", [](const std::string&, int) {}), 0u);
}

// Random Set / Erase / EraseBelow / EraseRandom against a std::map with IsBelow.
TEST(PathMap, AgreesWithAModelOverRandomOperations) {
  std::mt19937 rng(42);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const std::vector<std::string> parts{"a", "a1", "b", "a-", "a0", "c/d"};
  auto random_path = [&] {
    std::string p = "cse-in";
    for (size_t depth = pick(4); depth > 0; --depth) p += "/" + parts[pick(parts.size())];
    return p;
  };
  PathMap<int> m;
  std::map<std::string, int> model;
  uint64_t state = 7;
  for (int step = 0; step < 20000; ++step) {
    const std::string p = random_path();
    switch (pick(10)) {
      case 0: {
        size_t expected = 0;
        for (auto it = model.begin(); it != model.end();) {
          if (storage::IsBelow(it->first, p)) {
            it = model.erase(it);
            ++expected;
          } else {
            ++it;
          }
        }
        size_t calls = 0;
        ASSERT_EQ(m.EraseBelow(p, [&](const std::string& q, int) {
          EXPECT_TRUE(storage::IsBelow(q, p)) << q << " below " << p;
          ++calls;
        }), expected) << p;
        ASSERT_EQ(calls, expected);
        break;
      }
      case 1:
      case 2:
        ASSERT_EQ(m.Erase(p), model.erase(p) == 1) << p;
        break;
      case 3:
        if (!model.empty()) {
          std::string gone;
          m.EraseRandom(state, [&](const std::string& q, int) { gone = q; });
          ASSERT_EQ(model.erase(gone), 1u) << gone;
        }
        break;
      default:
        m.Set(p, step);
        model[p] = step;
    }
    ASSERT_EQ(m.size(), model.size());
  }
  for (const auto& [p, v] : model) {
    ASSERT_NE(m.Find(p), nullptr) << p;
    EXPECT_EQ(*m.Find(p), v);
  }
  // The empty root is the parent of every path.
  EXPECT_EQ(m.EraseBelow("", [](const std::string&, int) {}), model.size());
  EXPECT_EQ(m.size(), 0u);
}

}  // namespace
}  // namespace trustcse::dispatcher
