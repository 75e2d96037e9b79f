// Tests of UpdateGate (dispatcher/update_gate.h): one holder per key, waiters in order, a bound.
#include "dispatcher/update_gate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trustcse::dispatcher {
namespace {

TEST(UpdateGate, RunsAtOnceWhenFreeAndInOrderWhenHeld) {
  UpdateGate gate;
  std::vector<std::string> ran;
  UpdateGate::Release first, second;
  ASSERT_TRUE(gate.Enter("r", [&](UpdateGate::Release r) {
    ran.push_back("a");
    first = r;
  }));
  ASSERT_TRUE(gate.Enter("r", [&](UpdateGate::Release r) {
    ran.push_back("b");
    second = r;
  }));
  ASSERT_TRUE(gate.Enter("r", [&](UpdateGate::Release r) {
    ran.push_back("c");
    r();
  }));
  ASSERT_TRUE(gate.Enter("other", [&](UpdateGate::Release r) {
    ran.push_back("x");
    r();
  }));
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "x"}));
  first();
  first();  // a second release changes nothing
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "x", "b"}));
  second();
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "x", "b", "c"}));
  EXPECT_FALSE(gate.Held("r"));
  EXPECT_FALSE(gate.Held("other"));
}

TEST(UpdateGate, RefusesWaitersBeyondItsBound) {
  UpdateGate gate(/*max_waiting=*/1);
  UpdateGate::Release hold;
  ASSERT_TRUE(gate.Enter("r", [&](UpdateGate::Release r) { hold = r; }));
  EXPECT_TRUE(gate.Enter("r", [](UpdateGate::Release r) { r(); }));
  EXPECT_FALSE(gate.Enter("r", [](UpdateGate::Release r) { r(); }));
  hold();
  EXPECT_FALSE(gate.Held("r"));
}

}  // namespace
}  // namespace trustcse::dispatcher
