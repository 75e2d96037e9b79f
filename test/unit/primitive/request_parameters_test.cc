// Request parameters shared by the bindings (primitive/request_parameters.h): expiration and
// result persistence forms, response types.
#include "primitive/request_parameters.h"

#include <gtest/gtest.h>

namespace trustcse {
namespace {

using std::chrono::milliseconds;

milliseconds Ahead(std::string_view v) {
  auto t = ParseExpiration(v);
  EXPECT_TRUE(t.has_value()) << v;
  if (!t) return milliseconds(-1);
  return std::chrono::duration_cast<milliseconds>(*t - Now());
}

TEST(ParseExpiration, RelativeMillisecondsAndIsoDurations) {
  EXPECT_NEAR(Ahead("1500").count(), 1500, 200);
  EXPECT_NEAR(Ahead("PT2S").count(), 2000, 200);
  EXPECT_NEAR(Ahead("PT0.5S").count(), 500, 200);
  EXPECT_NEAR(Ahead("PT1M30S").count(), 90000, 200);
  EXPECT_NEAR(Ahead("P1DT1H").count(), 90000000, 200);
  EXPECT_NEAR(Ahead("P1W").count(), 7 * 86400000LL, 200);
}

// xs:long milliseconds may be negative (already past: the caller answers 4008); test systems
// send fractions ("1500.0"), which are rounded.
TEST(ParseExpiration, NegativeAndFractionalMilliseconds) {
  EXPECT_NEAR(Ahead("-5000").count(), -5000, 200);
  EXPECT_NEAR(Ahead("1500.0").count(), 1500, 200);
  EXPECT_NEAR(Ahead("30000.5").count(), 30000, 200);
}

TEST(ParseExpiration, AbsoluteTimestamps) {
  auto t = ParseExpiration("20300101T000000");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatTimestamp(*t).substr(0, 15), "20300101T000000");
}

TEST(ParseExpiration, RefusesWhatItCannotPlace) {
  for (std::string_view v : {"", "P", "PT", "P1Y", "P1M", "PT1D", "P1H", "PTS", "PT1S2", "P1DT",
                             "soon", "P99999W", "PT1.2.3S", "1e3", "nan", "inf", "1.5.0",
                             "999999999999999"}) {
    EXPECT_FALSE(ParseExpiration(v).has_value()) << v;
  }
}

TEST(RequestParameters, ResponseTypeAndResultPersistence) {
  RequestParameters p;
  RequestPrimitive req;
  ASSERT_TRUE(p.Apply(req, "rt", "2").ok());
  EXPECT_EQ(req.rt, ResponseType::kNonBlockingAsynch);
  EXPECT_FALSE(p.Apply(req, "rt", "6").ok());
  EXPECT_FALSE(p.Apply(req, "rt", "0").ok());
  ASSERT_TRUE(p.Apply(req, "rp", "PT10S").ok());
  ASSERT_TRUE(req.rp.has_value());
  EXPECT_FALSE(p.Apply(req, "rp", "whenever").ok());
}

// List parameters given more than once (atrl=lbl&atrl=ct, or an MQTT array applied item by
// item) add up; '+' separates items inside one value.
TEST(RequestParameters, RepeatedListParametersAddUp) {
  RequestParameters p;
  RequestPrimitive req;
  ASSERT_TRUE(p.Apply(req, "atrl", "lbl").ok());
  ASSERT_TRUE(p.Apply(req, "atrl", "ct+et").ok());
  EXPECT_EQ(req.atrl, (std::vector<std::string>{"lbl", "ct", "et"}));
  EXPECT_FALSE(p.Apply(req, "atrl", "+").ok());
  ASSERT_TRUE(p.Apply(req, "rids", "r1").ok());
  ASSERT_TRUE(p.Apply(req, "rids", "r2 r3").ok());
  EXPECT_EQ(req.role_ids, (std::vector<std::string>{"r1", "r2", "r3"}));
  EXPECT_FALSE(p.Apply(req, "drt", "-1").ok());
}

}  // namespace
}  // namespace trustcse
