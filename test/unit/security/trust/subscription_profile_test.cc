// Tests of a device subscription's profile (OP-1): parsing with validation and normalisation,
// each allow check (operations, paths with their subtrees, types, source prefixes, bindings)
// and the rate ceiling's token bucket.
#include "security/trust/subscription_profile.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "security/chain.h"

namespace trustcse::security::trust {
namespace {

namespace bj = boost::json;

SubscriptionProfile Parsed(std::string_view json) {
  auto p = SubscriptionProfile::Parse(bj::parse(json).as_object());
  EXPECT_TRUE(p.has_value()) << p.error().message();
  return p ? *p : SubscriptionProfile{};
}

std::string Refusal(std::string_view json) {
  auto p = SubscriptionProfile::Parse(bj::parse(json).as_object());
  EXPECT_FALSE(p.has_value()) << json;
  return p ? "" : std::string(p.error().message());
}

TEST(SubscriptionProfile, AnEmptyProfileAllowsEverything) {
  SubscriptionProfile p = Parsed("{}");
  EXPECT_TRUE(p.AllowsOperation(kDelete));
  EXPECT_TRUE(p.AllowsType(23));
  EXPECT_TRUE(p.AllowsPath("cse-in/anything"));
  EXPECT_TRUE(p.AllowsSource(nullptr));
  EXPECT_TRUE(p.AllowsBinding(""));
  EXPECT_EQ(bj::serialize(p.ToJson()), "{}");
}

TEST(SubscriptionProfile, ChecksEachDimension) {
  SubscriptionProfile p = Parsed(
      R"({"operations":["retrieve","create"],"paths":["/cse-in/trk1/","cse-in/shared"],
          "types":[3,4],"sources":["10.1.2.3/16"],"bindings":["https","coaps"],"rate":5})");
  EXPECT_TRUE(p.AllowsOperation(kRetrieve));
  EXPECT_FALSE(p.AllowsOperation(kDelete));
  EXPECT_FALSE(p.AllowsOperation(kDiscover));
  EXPECT_TRUE(p.AllowsType(4));
  EXPECT_FALSE(p.AllowsType(23));
  EXPECT_FALSE(p.AllowsType(0));
  // A path and its subtree; not a sibling that shares a prefix, not the parent.
  EXPECT_TRUE(p.AllowsPath("cse-in/trk1"));
  EXPECT_TRUE(p.AllowsPath("/cse-in/trk1/data/cin-1"));
  EXPECT_TRUE(p.AllowsPath("cse-in/shared/x"));
  EXPECT_FALSE(p.AllowsPath("cse-in/trk10"));
  EXPECT_FALSE(p.AllowsPath("cse-in"));
  EXPECT_FALSE(p.AllowsPath(""));
  auto inside = IpAddress::Parse("10.1.200.7");
  auto outside = IpAddress::Parse("10.2.0.1");
  EXPECT_TRUE(p.AllowsSource(&*inside));
  EXPECT_FALSE(p.AllowsSource(&*outside));
  EXPECT_FALSE(p.AllowsSource(nullptr));
  EXPECT_TRUE(p.AllowsBinding("coaps"));
  EXPECT_FALSE(p.AllowsBinding("http"));
  EXPECT_FALSE(p.AllowsBinding(""));
  // Normalised: the prefix's host bits, slashes, the default burst (twice the rate).
  EXPECT_EQ(bj::serialize(p.ToJson()),
            R"({"operations":["create","retrieve"],"paths":["cse-in/shared","cse-in/trk1"],)"
            R"("types":[3,4],"sources":["10.1.0.0/16"],"bindings":["https","coaps"],)"
            R"("rate":5,"burst":10})");
}

TEST(SubscriptionProfile, DefaultBurstStaysInRange) {
  // Twice a high rate would exceed the largest burst a profile may state; the default is capped
  // there, so the profile reads back to itself (found by trust_fields_fuzz).
  auto p = SubscriptionProfile::Parse(bj::parse(R"({"rate":6e5})").as_object());
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->burst, 1e6);
  auto again = SubscriptionProfile::Parse(p->ToJson());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(bj::serialize(again->ToJson()), bj::serialize(p->ToJson()));
}

TEST(SubscriptionProfile, RefusesWhatItCannotEnforce) {
  EXPECT_NE(Refusal(R"({"ops":["retrieve"]})").find("unknown profile field ops"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"operations":["read"]})").find("profile operations"), std::string::npos);
  EXPECT_NE(Refusal(R"({"operations":[]})").find("at least one"), std::string::npos);
  EXPECT_NE(Refusal(R"({"paths":["cse-in//x"]})").find("profile paths"), std::string::npos);
  EXPECT_NE(Refusal(R"({"paths":"cse-in"})").find("a list"), std::string::npos);
  EXPECT_NE(Refusal(R"({"types":[0]})").find("profile types"), std::string::npos);
  EXPECT_NE(Refusal(R"({"types":["cnt"]})").find("profile types"), std::string::npos);
  EXPECT_NE(Refusal(R"({"sources":["10.1.0.0/33"]})").find("profile sources"), std::string::npos);
  EXPECT_NE(Refusal(R"({"bindings":["smtp"]})").find("profile bindings"), std::string::npos);
  EXPECT_NE(Refusal(R"({"rate":-1})").find("profile rate"), std::string::npos);
  EXPECT_NE(Refusal(R"({"rate":"fast"})").find("profile rate"), std::string::npos);
}

TEST(RateBucket, AllowsTheBurstThenTheRate) {
  RateBucket b(2, 3);  // 2 per second, 3 at once
  TimePoint t0 = Now();
  EXPECT_TRUE(b.Take(t0));
  EXPECT_TRUE(b.Take(t0));
  EXPECT_TRUE(b.Take(t0));
  std::chrono::milliseconds retry{0};
  EXPECT_FALSE(b.Take(t0, &retry));
  EXPECT_EQ(retry.count(), 500);
  EXPECT_FALSE(b.Take(t0 + std::chrono::milliseconds(400)));
  EXPECT_TRUE(b.Take(t0 + std::chrono::milliseconds(900)));  // 0.8 + 0.2·… refilled to ≥ 1
  EXPECT_FALSE(b.Take(t0 + std::chrono::milliseconds(900)));
  // Refills to the burst, no further.
  TimePoint later = t0 + std::chrono::seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.Take(later));
  EXPECT_FALSE(b.Take(later));
}

}  // namespace
}  // namespace trustcse::security::trust
