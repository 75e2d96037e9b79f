// Tests of the reporting window of missing-data subscriptions (notification/missing_data_reports.h,
// TS-0001 §10.2.4.29: T1–T5 of Figure 10.2.4.29-1) and of the timeSeriesNotification body.
#include "notification/missing_data_reports.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>

#include "notification/notification_body.h"

namespace trustcse::notification {
namespace {

namespace bj = boost::json;
using std::chrono::seconds;

resources::MissingDataCriteria Criteria(uint64_t num, std::optional<seconds> dur) {
  resources::MissingDataCriteria c;
  c.num = num;
  if (dur) c.dur = *dur;
  return c;
}

TEST(MissingDataReports, NotifiesWhenTheCountReachesTheNumberThenEachFurtherPoint) {
  MissingDataReports r;
  const TimePoint t0 = *ParseTimestamp("20240101T000000");
  auto c = Criteria(2, seconds(10));
  EXPECT_FALSE(r.Record("sub", c, {"p1"}, t0).has_value());  // T1: window opens, count 1
  auto first = r.Record("sub", c, {"p2"}, t0 + seconds(1));    // T2: count reaches 2
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->points, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(first->count, 2u);
  auto next = r.Record("sub", c, {"p3"}, t0 + seconds(2));     // T3: each further point
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->points, std::vector<std::string>{"p3"});
  EXPECT_EQ(next->count, 3u);
}

TEST(MissingDataReports, AnEndedWindowResetsTheCountAndTheNextPointOpensANewOne) {
  MissingDataReports r;
  const TimePoint t0 = *ParseTimestamp("20240101T000000");
  auto c = Criteria(2, seconds(10));
  EXPECT_FALSE(r.Record("sub", c, {"p1"}, t0).has_value());
  EXPECT_FALSE(r.Record("sub", c, {"p2"}, t0 + seconds(11)).has_value());  // T4/T5: count 1
  auto report = r.Record("sub", c, {"p3"}, t0 + seconds(12));
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->points, (std::vector<std::string>{"p2", "p3"}));
  EXPECT_EQ(report->count, 2u);
}

TEST(MissingDataReports, KeepsOneWindowPerSubscriptionAndForgetsDeletedOnes) {
  MissingDataReports r;
  const TimePoint t0 = *ParseTimestamp("20240101T000000");
  auto c = Criteria(2, std::nullopt);  // no duration: the window never ends
  EXPECT_FALSE(r.Record("a", c, {"p1"}, t0).has_value());
  EXPECT_FALSE(r.Record("b", c, {"p1"}, t0).has_value());
  EXPECT_TRUE(r.Record("a", c, {"p2"}, t0 + std::chrono::hours(100)).has_value());
  EXPECT_EQ(r.size(), 2u);
  r.Forget("a");
  EXPECT_EQ(r.size(), 1u);
  EXPECT_FALSE(r.Record("a", c, {"p3"}, t0).has_value());  // counts afresh
}

TEST(MissingDataReports, SeveralPointsAtOnceMakeOneReport) {
  MissingDataReports r;
  auto report = r.Record("sub", Criteria(2, seconds(5)), {"p1", "p2", "p3"},
                         *ParseTimestamp("20240101T000000"));
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->points.size(), 3u);
  EXPECT_EQ(report->count, 3u);
}

TEST(TimeSeriesNotificationBody, CarriesATimeSeriesNotificationWithEventType8) {
  resources::Resource sub;
  sub.attrs["ri"] = "sub1";
  sub.attrs["cr"] = "Cae1";
  CseIdentity self{"/id-in", "cse-in", "//trustcse.local"};
  bj::value body = bj::parse(TimeSeriesNotificationBody(self, sub, {"20240101T000001,000000"}, 4));
  const bj::object& sgn = body.at("m2m:sgn").as_object();
  EXPECT_EQ(sgn.at("sur"), "/id-in/sub1");
  EXPECT_EQ(sgn.at("cr"), "Cae1");
  EXPECT_EQ(sgn.at("nev").at("net"), 8);
  const bj::object& tsn = sgn.at("nev").at("rep").at("m2m:tsn").as_object();
  EXPECT_EQ(tsn.at("mdlt"), (bj::array{"20240101T000001,000000"}));
  EXPECT_EQ(tsn.at("mdc"), 4);
}

}  // namespace
}  // namespace trustcse::notification
