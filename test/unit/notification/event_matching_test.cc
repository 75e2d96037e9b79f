// Tests of the matching of events to subscriptions (notification/event_matching.h): the
// eventNotificationCriteria as a pure function, and the notificationSchedule gate against the
// in-memory store.
#include "notification/event_matching.h"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "common/time.h"

namespace trustcse::notification {
namespace {

namespace bj = boost::json;
using resources::Event;
using resources::Resource;
using storage::ResourceRecord;

Resource Sub(bj::object enc) {
  bj::object attrs{{"ty", 23}, {"ri", "sub1"}, {"pi", "cnt1"}, {"rn", "sub1"}};
  if (!enc.empty()) attrs["enc"] = std::move(enc);
  return Resource{"cse-in/cnt1/sub1", std::move(attrs), ""};
}

ResourceRecord Cin(uint64_t cs = 5, const std::string& ct = "20240101T000000,000000") {
  return Resource{"cse-in/cnt1/cin1",
                  {{"ty", 4},
                   {"ri", "cin1"},
                   {"pi", "cnt1"},
                   {"rn", "cin1"},
                   {"cs", cs},
                   {"ct", ct},
                   {"lt", ct}},
                  ""}
      .ToRecord();
}

ResourceRecord Cnt(uint64_t st) {
  return Resource{
      "cse-in/cnt1", {{"ty", 3}, {"ri", "cnt1"}, {"pi", "id-in"}, {"rn", "cnt1"}, {"st", st}}, ""}
      .ToRecord();
}

Event Ev(Event::Kind kind, ResourceRecord rec) {
  return Event{kind, "cnt1", "cse-in/cnt1", std::move(rec), {}};
}

TEST(EventMatching, WithoutCriteriaOnlyUpdatesMatch) {
  Resource sub = Sub({});
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kUpdate, Cnt(1))));
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kDelete, Cnt(1))));
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cin())));
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kDeleteChild, Cin())));
}

TEST(EventMatching, NetSelectsTheEventKinds) {
  Resource sub = Sub({{"net", bj::array{2, 3}}});
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kUpdate, Cnt(1))));
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kDelete, Cnt(1))));
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cin())));
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kDeleteChild, Cin())));
}

TEST(EventMatching, ChildTypeFiltersOnlyChildEvents) {
  Resource sub = Sub({{"net", bj::array{1, 3, 4}}, {"chty", bj::array{3}}});
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cin())));
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kDeleteChild, Cin())));
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cnt(0))));
  // chty says nothing about updates of the subscribed-to resource itself.
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kUpdate, Cnt(1))));
}

TEST(EventMatching, SizeConditionsBoundTheContentSize) {
  Resource sub = Sub({{"net", bj::array{3}}, {"sza", 10}, {"szb", 20}});
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cin(9))));
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cin(10))));
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cin(19))));
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cin(20))));
}

// The filterCriteria bounds (TS-0004 Table 7.3.3.17.0-1): stateTagBigger ≤ st < stateTagSmaller.
TEST(EventMatching, StateTagConditionsBoundTheStateTag) {
  Resource sub = Sub({{"stb", 2}, {"sts", 5}});
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kUpdate, Cnt(1))));
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kUpdate, Cnt(2))));
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kUpdate, Cnt(3))));
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kUpdate, Cnt(5))));
}

TEST(EventMatching, NegativeNumbersAreNoCondition) {
  Resource sub = Sub({{"net", bj::array{3}}, {"sza", -1}});
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cin(0))));
}

TEST(EventMatching, TimestampsWithoutFractionCompareWithStoredOnes) {
  // "20240101T000000" is the same instant as the record's "20240101T000000,000000": it matches
  // createdAfter (createdAfter ≤ ct) and not createdBefore (ct < createdBefore).
  Resource same = Sub({{"net", bj::array{3}}, {"cra", "20240101T000000"}});
  EXPECT_TRUE(EventMatches(same, Ev(Event::Kind::kCreateChild, Cin())));
  Resource same_crb = Sub({{"net", bj::array{3}}, {"crb", "20240101T000000"}});
  EXPECT_FALSE(EventMatches(same_crb, Ev(Event::Kind::kCreateChild, Cin())));
  Resource after = Sub({{"net", bj::array{3}}, {"cra", "20240101T000001"}});
  EXPECT_FALSE(EventMatches(after, Ev(Event::Kind::kCreateChild, Cin())));
  Resource before = Sub({{"net", bj::array{3}}, {"cra", "20231231T235959"}});
  EXPECT_TRUE(EventMatches(before, Ev(Event::Kind::kCreateChild, Cin())));
  Resource crb = Sub({{"net", bj::array{3}}, {"crb", "20240101T000001"}});
  EXPECT_TRUE(EventMatches(crb, Ev(Event::Kind::kCreateChild, Cin())));
}

TEST(EventMatching, FilterOperationOrNeedsOneCondition) {
  bj::object enc{{"net", bj::array{3}}, {"sza", 100}, {"cra", "20231231T000000"}};
  EXPECT_FALSE(EventMatches(Sub(enc), Ev(Event::Kind::kCreateChild, Cin(5))));
  enc["fo"] = 2;
  EXPECT_TRUE(EventMatches(Sub(enc), Ev(Event::Kind::kCreateChild, Cin(5))));
}

TEST(EventMatching, NonObjectCriteriaAreIgnored) {
  Resource sub{"cse-in/cnt1/sub1", {{"ty", 23}, {"ri", "sub1"}, {"enc", "net=3"}}, ""};
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kUpdate, Cnt(1))));
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cin())));
}

TEST(EventMatching, AttributeConditionNeedsOneListedAttributeModified) {
  Resource sub = Sub({{"net", bj::array{1, 3}}, {"atr", bj::array{"lbl", "et"}}});
  Event lbl = Ev(Event::Kind::kUpdate, Cnt(1));
  lbl.modified = {"mni", "lbl"};
  EXPECT_TRUE(EventMatches(sub, lbl));
  Event mni = Ev(Event::Kind::kUpdate, Cnt(1));
  mni.modified = {"mni"};
  EXPECT_FALSE(EventMatches(sub, mni));
  // atr speaks of updates only.
  EXPECT_TRUE(EventMatches(sub, Ev(Event::Kind::kCreateChild, Cin())));
}

TEST(EventMatching, OperationMonitorIsNoUpdateSubscription) {
  Resource sub = Sub({{"om", bj::array{bj::object{{"ops", 2}}}}});
  EXPECT_FALSE(EventMatches(sub, Ev(Event::Kind::kUpdate, Cnt(1))));
}

TEST(OperationMatching, OperationsAndOriginatorNarrowTheMonitor) {
  Resource any_retrieve = Sub({{"om", bj::array{bj::object{{"ops", 2}}}}});
  EXPECT_TRUE(OperationMatches(any_retrieve, 2, "Cx"));
  EXPECT_FALSE(OperationMatches(any_retrieve, 4, "Cx"));
  Resource by_one = Sub({{"om", bj::array{bj::object{{"org", "Ca"}}}}});
  EXPECT_TRUE(OperationMatches(by_one, 8, "Ca"));
  EXPECT_FALSE(OperationMatches(by_one, 8, "Cb"));
  Resource both = Sub({{"om", bj::array{bj::object{{"ops", 6}, {"org", "Ca"}},
                                        bj::object{{"ops", 1}}}}});
  EXPECT_TRUE(OperationMatches(both, 4, "Ca"));
  EXPECT_TRUE(OperationMatches(both, 1, "Cb"));
  EXPECT_FALSE(OperationMatches(both, 2, "Cb"));
  EXPECT_FALSE(OperationMatches(Sub({}), 2, "Ca"));
}

Resource Schedule(bj::array entries) {
  return Resource{"cse-in/cnt1/sub1/notificationSchedule",
                  {{"ty", 18},
                   {"ri", "sch1"},
                   {"pi", "sub1"},
                   {"rn", "notificationSchedule"},
                   {"se", {{"sce", std::move(entries)}}}},
                  ""};
}

TEST(NotificationSchedule, AllowsWhenAnEntryMatches) {
  const TimePoint now = Now();
  EXPECT_TRUE(ScheduleAllows(Schedule({"* * * * * * *"}), now));
  EXPECT_TRUE(ScheduleAllows(Schedule({"0 0 0 1 1 * 1980", "* * * * * * *"}), now));
  EXPECT_FALSE(ScheduleAllows(Schedule({"0 0 0 1 1 * 1980"}), now));
  EXPECT_FALSE(ScheduleAllows(Schedule({"not an entry"}), now));
  EXPECT_FALSE(ScheduleAllows(Schedule({}), now));
}

TEST(NotificationSchedule, WithoutEntriesRestrictsNothing) {
  Resource sch{"cse-in/cnt1/sub1/notificationSchedule", {{"ty", 18}, {"ri", "sch1"}}, ""};
  EXPECT_TRUE(ScheduleAllows(sch, Now()));
}

class NotificationScheduleStore : public ::testing::Test {
 protected:
  void SetUp() override { store_ = storage::OpenMemoryStore(); }
  void Insert(const Resource& res) {
    ResourceRecord rec = res.ToRecord();
    ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& t) { return t.Insert(rec); }).ok());
  }
  std::unique_ptr<storage::Store> store_;
};

TEST_F(NotificationScheduleStore, WithoutAScheduleEveryEventGoes) {
  EXPECT_TRUE(WithinNotificationSchedule(*store_, Sub({})));
}

TEST_F(NotificationScheduleStore, OutsideTheScheduleEventsAreHeldBack) {
  Insert(Schedule({"0 0 0 1 1 * 1980"}));
  EXPECT_FALSE(WithinNotificationSchedule(*store_, Sub({})));
}

TEST_F(NotificationScheduleStore, InsideTheScheduleEventsGo) {
  Insert(Schedule({"* * * * * * *"}));
  EXPECT_TRUE(WithinNotificationSchedule(*store_, Sub({})));
}

TEST_F(NotificationScheduleStore, ImmediateEventCategoryIgnoresTheSchedule) {
  Insert(Schedule({"0 0 0 1 1 * 1980"}));
  Resource sub = Sub({});
  sub.attrs["nec"] = 2;
  EXPECT_TRUE(WithinNotificationSchedule(*store_, sub));
}

TEST_F(NotificationScheduleStore, NextWindowIsNowWithoutASchedule) {
  const TimePoint now = Now();
  EXPECT_EQ(NextNotificationWindow(*store_, Sub({}), now), now);
}

TEST_F(NotificationScheduleStore, NextWindowIsTheFirstAllowedSecond) {
  Insert(Schedule({"*/2 * * * * * *"}));
  const TimePoint now = Now();
  auto next = NextNotificationWindow(*store_, Sub({}), now);
  ASSERT_TRUE(next.has_value());
  EXPECT_GE(*next, now - std::chrono::seconds(1));
  EXPECT_LE(*next, now + std::chrono::seconds(2));
}

TEST_F(NotificationScheduleStore, NoWindowWithinAWeekIsNothing) {
  Insert(Schedule({"0 0 0 1 1 * 1980"}));
  EXPECT_FALSE(NextNotificationWindow(*store_, Sub({}), Now()).has_value());
}

}  // namespace
}  // namespace trustcse::notification
