// Tests of the in-memory index of subscribed-to resources (notification/subscription_index.h).
#include "notification/subscription_index.h"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>

namespace trustcse::notification {
namespace {

namespace bj = boost::json;

resources::Resource Sub(bj::object enc) {
  bj::object attrs{{"ty", 23}, {"ri", "s"}, {"pi", "p"}, {"rn", "s"}};
  if (!enc.empty()) attrs["enc"] = std::move(enc);
  return resources::Resource{"cse-in/p/s", std::move(attrs), ""};
}

TEST(SubscriptionIndex, KnowsTheKindsOfSubscription) {
  EXPECT_FALSE(SubscriptionIndex::KindsOf(Sub({})).operation_monitor);
  EXPECT_TRUE(SubscriptionIndex::KindsOf(Sub({{"om", bj::array{}}})).operation_monitor);
  EXPECT_TRUE(SubscriptionIndex::KindsOf(Sub({{"net", bj::array{7}}})).blocking_update);
  EXPECT_FALSE(SubscriptionIndex::KindsOf(Sub({{"net", bj::array{1}}})).blocking_update);
}

TEST(SubscriptionIndex, TracksParentsAndKinds) {
  SubscriptionIndex index;
  EXPECT_FALSE(index.AnyOperationMonitors());
  index.Add("p", "s1", {});
  index.Add("p", "s2", {true, false});
  index.Add("q", "s3", {false, true});
  EXPECT_TRUE(index.Has("p"));
  EXPECT_TRUE(index.HasOperationMonitors("p"));
  EXPECT_FALSE(index.HasOperationMonitors("q"));
  EXPECT_EQ(index.BlockingUpdate("q"), std::optional<std::string>("s3"));
  EXPECT_FALSE(index.BlockingUpdate("p").has_value());
  // An update that drops the monitor, and a second sight of the same subscription.
  index.Add("p", "s2", {});
  index.Add("p", "s2", {});
  EXPECT_FALSE(index.AnyOperationMonitors());
  EXPECT_EQ(index.size(), 3u);
  index.Remove("q", "s3");
  EXPECT_FALSE(index.Has("q"));
  EXPECT_FALSE(index.BlockingUpdate("q").has_value());
  index.Remove("q", "s3");  // twice: harmless
  index.Remove("p", "s1");
  index.Remove("p", "s2");
  EXPECT_EQ(index.size(), 0u);
}

}  // namespace
}  // namespace trustcse::notification
