// Tests of the <timeSeries> rules (TS-0004 §7.4.38.2.1, §7.4.38.2.3), of what the first
// <timeSeriesInstance> does to start missing-data detection, of the missingDataList upkeep and of
// the subscription rules of missing-data reports (§7.4.8.2.1) — resources/missing_data.h.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/time.h"
#include "primitive/json_util.h"
#include "resources/missing_data.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::resources {
namespace {

namespace bj = boost::json;

const CseIdentity kSelf{"/id-in", "cse-in", "//trustcse.local"};

Resource Make(int t, std::string_view json) {
  Resource r;
  r.attrs = bj::parse(json).as_object();
  r.attrs["ty"] = t;
  return r;
}

HookContext Ctx() { return HookContext{"Cae1", "3", Now(), &kSelf}; }

const ResourceType& TimeSeries() { return *FindType(ty::kTimeSeries); }

Status Create(Resource& ts) {
  Resource parent = Make(ty::kAe, "{}");
  return TimeSeries().ValidateCreate(Ctx(), parent, ts);
}

// An UPDATE as the dispatcher runs it: the changes applied, then ValidateUpdate.
Status Update(Resource& ts, std::string_view changes_json) {
  bj::object changes = bj::parse(changes_json).as_object();
  for (const auto& [k, v] : changes) {
    if (v.is_null()) {
      ts.attrs.erase(k);
    } else {
      ts.attrs[k] = v;
    }
  }
  return TimeSeries().ValidateUpdate(Ctx(), changes, ts);
}

TEST(TimeSeries, HasNoStateTag) {
  EXPECT_FALSE(TimeSeries().has_state_tag());
  EXPECT_TRUE(FindType(ty::kContainer)->has_state_tag());
}

TEST(TimeSeries, AcceptsADeltaOfHalfThePeriodicInterval) {
  Resource ts = Make(ty::kTimeSeries, R"({"pei":1000,"peid":500})");
  ASSERT_TRUE(Create(ts).ok());
  EXPECT_EQ(json::GetInt(ts.attrs, "peid"), 500);
}

TEST(TimeSeries, RefusesADeltaAboveHalfThePeriodicInterval) {
  Resource ts = Make(ty::kTimeSeries, R"({"pei":1000,"peid":501})");
  EXPECT_EQ(Create(ts).code(), Rsc::kBadRequest);
}

TEST(TimeSeries, GivesAPeriodicIntervalWithoutDeltaHalfOfItAsDelta) {
  Resource ts = Make(ty::kTimeSeries, R"({"pei":1001})");
  ASSERT_TRUE(Create(ts).ok());
  EXPECT_EQ(json::GetInt(ts.attrs, "peid"), 500);
}

TEST(TimeSeries, MissingDataDetectNeedsADetectTimerAboveTheDelta) {
  Resource none = Make(ty::kTimeSeries, R"({"pei":1000,"peid":100,"mdd":true})");
  EXPECT_EQ(Create(none).code(), Rsc::kBadRequest);
  Resource equal = Make(ty::kTimeSeries, R"({"pei":1000,"peid":300,"mdd":true,"mdt":300})");
  EXPECT_EQ(Create(equal).code(), Rsc::kBadRequest);
  Resource ok = Make(ty::kTimeSeries, R"({"pei":1000,"peid":100,"mdd":true,"mdt":301})");
  EXPECT_TRUE(Create(ok).ok());
}

TEST(TimeSeries, RefusesAnUpdateOfTheDeltaBeyondHalfTheNewInterval) {
  Resource ts = Make(ty::kTimeSeries, R"({"pei":1000,"peid":100})");
  ASSERT_TRUE(Create(ts).ok());
  EXPECT_EQ(Update(ts, R"({"pei":2000,"peid":1500})").code(), Rsc::kBadRequest);
  Resource other = Make(ty::kTimeSeries, R"({"pei":1000,"peid":100})");
  ASSERT_TRUE(Create(other).ok());
  EXPECT_TRUE(Update(other, R"({"pei":2000,"peid":1000})").ok());
}

TEST(TimeSeries, KeepsADeltaThatStillFitsANewInterval) {
  Resource ts = Make(ty::kTimeSeries, R"({"pei":1000,"peid":100})");
  ASSERT_TRUE(Create(ts).ok());
  ASSERT_TRUE(Update(ts, R"({"pei":400})").ok());
  EXPECT_EQ(json::GetInt(ts.attrs, "peid"), 100);
  ASSERT_TRUE(Update(ts, R"({"pei":100})").ok());
  EXPECT_EQ(json::GetInt(ts.attrs, "peid"), 50);  // 100 no longer fits: pei/2
}

TEST(TimeSeries, RefusesMissingDataDetectTogetherWithItsParameters) {
  for (std::string_view extra : {R"("mdt":600)", R"("mdn":5)", R"("peid":200)", R"("pei":2000)"}) {
    Resource ts = Make(ty::kTimeSeries, R"({"pei":1000,"peid":100,"mdt":500})");
    ASSERT_TRUE(Create(ts).ok());
    EXPECT_EQ(Update(ts, R"({"mdd":true,)" + std::string(extra) + "}").code(), Rsc::kBadRequest)
        << extra;
  }
}

TEST(TimeSeries, FreezesTheParametersWhileDetectionRuns) {
  for (std::string_view change : {R"({"mdt":600})", R"({"mdn":5})", R"({"peid":200})",
                                  R"({"pei":2000})"}) {
    Resource ts = Make(ty::kTimeSeries, R"({"pei":1000,"peid":100,"mdd":true,"mdt":500})");
    ASSERT_TRUE(Create(ts).ok());
    EXPECT_EQ(Update(ts, change).code(), Rsc::kBadRequest) << change;
  }
}

TEST(TimeSeries, SwitchingDetectionOnClearsTheListAndRestartsAtTheNextInstance) {
  Resource ts = Make(ty::kTimeSeries,
                     R"({"pei":1000,"peid":100,"mdd":false,"mdt":500,"mdc":2,
                         "mdlt":["20240101T000001,000000","20240101T000002,000000"],
                         "__mda":"20240101T000000,000000"})");
  ASSERT_TRUE(Update(ts, R"({"mdd":true})").ok());
  EXPECT_FALSE(ts.attrs.contains("mdlt"));
  EXPECT_FALSE(ts.attrs.contains("mdc"));
  EXPECT_FALSE(ts.attrs.contains(kMonitoringAnchor));
  EXPECT_TRUE(WantsMonitoring(ts));
  EXPECT_FALSE(MonitoringOf(ts).has_value());  // wanted, not started
}

TEST(TimeSeries, SwitchingDetectionOffKeepsTheList) {
  Resource ts = Make(ty::kTimeSeries,
                     R"({"pei":1000,"peid":100,"mdd":true,"mdt":500,"mdc":1,
                         "mdlt":["20240101T000001,000000"]})");
  ASSERT_TRUE(Update(ts, R"({"mdd":false})").ok());
  EXPECT_EQ(json::GetInt(ts.attrs, "mdc"), 1);
  EXPECT_EQ(ts.attrs.at("mdlt").as_array().size(), 1u);
  EXPECT_FALSE(WantsMonitoring(ts));
}

TEST(TimeSeries, ParametersChangedWhilePausedClearTheList) {
  Resource ts = Make(ty::kTimeSeries,
                     R"({"pei":1000,"peid":100,"mdd":false,"mdt":500,"mdc":1,
                         "mdlt":["20240101T000001,000000"]})");
  ASSERT_TRUE(Update(ts, R"({"mdn":3})").ok());
  EXPECT_FALSE(ts.attrs.contains("mdlt"));
  EXPECT_FALSE(ts.attrs.contains("mdc"));
}

TEST(MissingData, MonitoringNeedsDetectIntervalTimerAndAStart) {
  Resource ts = Make(ty::kTimeSeries,
                     R"({"pei":400,"peid":100,"mdd":true,"mdt":200,"mdn":10,
                         "__mda":"20240101T000000,000000"})");
  auto m = MonitoringOf(ts);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->pei, std::chrono::milliseconds(400));
  EXPECT_EQ(m->peid, std::chrono::milliseconds(100));
  EXPECT_EQ(m->mdt, std::chrono::milliseconds(200));
  EXPECT_EQ(m->anchor, *ParseTimestamp("20240101T000000"));
  EXPECT_EQ(m->max_list, 10u);
  ts.attrs.erase("pei");
  EXPECT_FALSE(MonitoringOf(ts).has_value());
}

TEST(MissingData, KeepsTheListBoundedByMissingDataMaxNr) {
  Resource ts = Make(ty::kTimeSeries, R"({"mdn":2})");
  TimePoint t0 = *ParseTimestamp("20240101T000000");
  std::vector<TimePoint> points{t0 + std::chrono::seconds(1), t0 + std::chrono::seconds(2)};
  RecordMissingData(ts, points);
  EXPECT_EQ(json::GetInt(ts.attrs, "mdc"), 2);
  std::vector<TimePoint> more{t0 + std::chrono::seconds(3)};
  RecordMissingData(ts, more);
  EXPECT_EQ(json::GetInt(ts.attrs, "mdc"), 2);
  const bj::array& list = ts.attrs.at("mdlt").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].as_string(), FormatTimestamp(t0 + std::chrono::seconds(2)));  // oldest gone
  EXPECT_EQ(list[1].as_string(), FormatTimestamp(t0 + std::chrono::seconds(3)));
}

TEST(MissingData, TheFirstInstanceStartsDetection) {
  auto store = storage::OpenMemoryStore();
  Resource ts = Make(ty::kTimeSeries, R"({"pei":400,"peid":100,"mdd":true,"mdt":200,
                                          "ri":"ts1","pi":"cb","rn":"ts1","cni":0,"cbs":0})");
  ts.path = "cse-in/ts1";
  ASSERT_TRUE(store->SubmitAndWait([&](storage::WriteTxn& txn) {
                     return txn.Insert(ts.ToRecord());
                   }).ok());
  const ResourceType& tsi = *FindType(ty::kTimeSeriesInstance);
  WriteEffects fx;
  auto add = [&](std::string ri, std::string dgt) {
    Resource res = Make(ty::kTimeSeriesInstance, R"({"con":"x"})");
    res.attrs["dgt"] = dgt;
    res.attrs["ri"] = ri;
    res.attrs["pi"] = "ts1";
    res.path = "cse-in/ts1/" + ri;
    HookContext ctx = Ctx();
    if (Status s = tsi.ValidateCreate(ctx, ts, res); !s.ok()) return s;
    return store->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
      auto p = Resource::FromRecord(**txn.Get("ts1"));
      bool changed = false;
      if (Status s = tsi.OnCreate(txn, ctx, *p, &changed, res, fx); !s.ok()) return s;
      if (Status s = txn.Insert(res.ToRecord()); !s.ok()) return s;
      return txn.Update(p->ToRecord());
    });
  };
  ASSERT_TRUE(add("tsi1", "20240101T000000").ok());
  ASSERT_EQ(fx.series.size(), 1u);  // the monitor hears of the start
  auto stored = Resource::FromRecord(**store->Get("ts1"));
  ASSERT_TRUE(stored.has_value());
  auto m = MonitoringOf(*stored);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->anchor, *ParseTimestamp("20240101T000000"));
  EXPECT_FALSE(stored->attrs.contains("st"));  // no stateTag on a timeSeries
  ASSERT_TRUE(add("tsi2", "20240101T000001").ok());
  EXPECT_EQ(fx.series.size(), 1u);  // the anchor stays
  store->Close();
}

Resource Subscription(std::string_view json) {
  Resource sub = Make(ty::kSubscription, json);
  return sub;
}

TEST(MissingDataSubscription, NeedsAMissingDataConditionForEventType8) {
  Resource parent = Make(ty::kTimeSeries, "{}");
  const ResourceType& type = *FindType(ty::kSubscription);
  Resource without = Subscription(R"({"nu":["http://h/n"],"enc":{"net":[8]}})");
  EXPECT_EQ(type.ValidateCreate(Ctx(), parent, without).code(), Rsc::kBadRequest);
  Resource with =
      Subscription(R"({"nu":["http://h/n"],"enc":{"net":[8],"md":{"num":2,"dur":"PT10S"}}})");
  ASSERT_TRUE(type.ValidateCreate(Ctx(), parent, with).ok());
  EXPECT_EQ(json::GetInt(with.attrs, "nct"), 5);  // a timeSeries notification by default
}

TEST(MissingDataSubscription, RefusesAMissingDataConditionOnAnotherType) {
  Resource parent = Make(ty::kContainer, "{}");
  Resource sub = Subscription(R"({"nu":["http://h/n"],"enc":{"net":[8],"md":{"num":1}}})");
  EXPECT_EQ(FindType(ty::kSubscription)->ValidateCreate(Ctx(), parent, sub).code(),
            Rsc::kBadRequest);
}

TEST(MissingDataSubscription, RefusesMalformedConditionsAndMixedContentTypes) {
  Resource parent = Make(ty::kTimeSeries, "{}");
  const ResourceType& type = *FindType(ty::kSubscription);
  for (std::string_view json : {
           R"({"nu":["http://h/n"],"enc":{"net":[8],"md":{"num":0}}})",
           R"({"nu":["http://h/n"],"enc":{"net":[8],"md":{"num":1,"dur":"ten"}}})",
           R"({"nu":["http://h/n"],"enc":{"net":[8],"md":{"dur":"PT1S"}}})",
           R"({"nu":["http://h/n"],"enc":{"net":[8],"md":{"num":1,"x":1}}})",
           R"({"nu":["http://h/n"],"enc":{"net":[3,8],"md":{"num":1}}})",
           R"({"nu":["http://h/n"],"nct":1,"enc":{"net":[8],"md":{"num":1}}})",
           R"({"nu":["http://h/n"],"nct":5,"enc":{"net":[3]}})"}) {
    Resource sub = Subscription(json);
    EXPECT_EQ(type.ValidateCreate(Ctx(), parent, sub).code(), Rsc::kBadRequest) << json;
  }
}

TEST(MissingDataSubscription, ParsesNumberAndDuration) {
  auto c = MissingDataCriteriaOf(bj::parse(R"({"md":{"num":3,"dur":"PT1M"}})").as_object());
  ASSERT_TRUE(c.has_value());
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->num, 3u);
  EXPECT_EQ((*c)->dur, std::chrono::milliseconds(60000));
  auto none = MissingDataCriteriaOf(bj::parse(R"({"net":[1]})").as_object());
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace trustcse::resources
