// RecyclingAllocator: freed blocks come back on the same thread, at most kKeep are kept, and a
// block freed on another thread (or after that thread's list is gone) is never lost or reused twice.
#include "common/recycling_allocator.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace trustcse {
namespace {

struct Big {
  explicit Big(int v) : value(v) {}
  int value;
  std::string text = std::string(200, 'x');
  char pad[1200] = {};
};

TEST(RecyclingAllocator, AFreedBlockIsHandedOutAgainOnTheSameThread) {
  RecyclingAllocator<Big> a;
  Big* first = a.allocate(1);
  a.deallocate(first, 1);
  Big* second = a.allocate(1);
  EXPECT_EQ(first, second);
  a.deallocate(second, 1);
}

TEST(RecyclingAllocator, SharedObjectsAreConstructedAndDestroyed) {
  auto weak = std::weak_ptr<Big>();
  {
    auto p = std::allocate_shared<Big>(RecyclingAllocator<Big>(), 7);
    EXPECT_EQ(p->value, 7);
    EXPECT_EQ(p->text.size(), 200u);
    weak = p;
  }
  EXPECT_TRUE(weak.expired());
  auto q = std::allocate_shared<Big>(RecyclingAllocator<Big>(), 8);
  EXPECT_EQ(q->value, 8);  // a recycled block is constructed afresh
}

TEST(RecyclingAllocator, KeepsAtMostItsBoundAndNeverHandsOutABlockTwice) {
  using A = RecyclingAllocator<Big, 4>;
  A a;
  std::vector<Big*> blocks;
  for (int i = 0; i < 10; ++i) blocks.push_back(a.allocate(1));
  std::set<Big*> distinct(blocks.begin(), blocks.end());
  EXPECT_EQ(distinct.size(), blocks.size());
  for (Big* b : blocks) a.deallocate(b, 1);  // 4 kept, 6 returned to operator delete
  std::set<Big*> again;
  for (int i = 0; i < 10; ++i) again.insert(a.allocate(1));
  EXPECT_EQ(again.size(), 10u);
  size_t reused = 0;
  for (Big* b : again) reused += distinct.count(b);
  EXPECT_GE(reused, 4u);
  for (Big* b : again) a.deallocate(b, 1);
}

TEST(RecyclingAllocator, BlocksFreedOnOtherThreadsAndAtThreadExitAreReleased) {
  std::vector<std::shared_ptr<Big>> made;
  for (int i = 0; i < 100; ++i) made.push_back(std::allocate_shared<Big>(RecyclingAllocator<Big>(), i));
  std::thread t([&] {
    made.clear();  // freed here: kept on this thread's list up to the bound, released at its exit
    auto local = std::allocate_shared<Big>(RecyclingAllocator<Big>(), 1);
    EXPECT_EQ(local->value, 1);
  });
  t.join();
  auto p = std::allocate_shared<Big>(RecyclingAllocator<Big>(), 2);
  EXPECT_EQ(p->value, 2);
}

TEST(RecyclingAllocator, ArraysGoToOperatorNew) {
  RecyclingAllocator<Big> a;
  Big* arr = a.allocate(3);
  Big* one = a.allocate(1);
  EXPECT_NE(arr, one);
  a.deallocate(arr, 3);
  a.deallocate(one, 1);
}

}  // namespace
}  // namespace trustcse
