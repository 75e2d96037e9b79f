// Tests of the missing-data monitor (dispatcher/missing_data_monitor.h) on the in-memory store,
// its checks driven by RunDue with chosen instants instead of its thread.
#include "dispatcher/missing_data_monitor.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <string>
#include <vector>

#include "primitive/json_util.h"
#include "resources/resource.h"

namespace trustcse::dispatcher {
namespace {

namespace bj = boost::json;
using resources::Event;
using resources::Resource;
using resources::WriteEffects;
using std::chrono::milliseconds;
namespace rty = resources::ty;

class MissingDataMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::OpenMemoryStore();
    // Writes the way the dispatcher's Commit does: the effects go back to the monitor.
    monitor_ = std::make_unique<MissingDataMonitor>(
        *store_,
        [this](MissingDataMonitor::WriteFn fn, std::function<void(Status)> done) {
          WriteEffects fx;
          Status s = store_->SubmitAndWait([&](storage::WriteTxn& txn) { return fn(txn, fx); });
          if (s.ok()) {
            monitor_->OnCommitted(fx);
            for (auto& ev : fx.events) events_.push_back(ev);
          }
          done(s);
        },
        MissingDataMonitor::Options{.max_series = 100, .max_instants = 64, .run_thread = false});
  }
  void TearDown() override {
    monitor_->Stop();
    store_->Close();
  }

  // A timeSeries "ts1" (pei 400 ms, peid 100, mdt 200) whose detection started at anchor_.
  Resource Series() {
    Resource ts;
    ts.attrs = bj::parse(R"({"ri":"ts1","pi":"cb","rn":"ts1","pei":400,"peid":100,
                             "mdd":true,"mdt":200,"mdn":10,"cni":0,"cbs":0})")
                   .as_object();
    ts.attrs["ty"] = rty::kTimeSeries;
    ts.attrs[resources::kMonitoringAnchor] = FormatTimestamp(anchor_);
    ts.path = "cse-in/ts1";
    return ts;
  }

  // Stores `ts` (unless it is stored) and tells the monitor, as the write that started
  // detection would.
  void Start(const Resource& ts) {
    if (!*store_->Get(ts.ri())) {
      ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& txn) {
                          return txn.Insert(ts.ToRecord());
                        }).ok());
    }
    WriteEffects fx;
    fx.series.push_back(ts.ToRecord());
    monitor_->OnCommitted(fx);
  }

  // An instance with dataGenerationTime `dgt`, stored and reported as a committed create.
  void Instance(const std::string& ri, TimePoint dgt) {
    Resource tsi;
    tsi.attrs["ty"] = rty::kTimeSeriesInstance;
    tsi.attrs["ri"] = ri;
    tsi.attrs["pi"] = "ts1";
    tsi.attrs["rn"] = ri;
    tsi.attrs["dgt"] = FormatTimestamp(dgt);
    tsi.attrs["con"] = "x";
    tsi.path = "cse-in/ts1/" + ri;
    ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& txn) {
                        return txn.Insert(tsi.ToRecord());
                      }).ok());
    WriteEffects fx;
    fx.events.push_back(Event{Event::Kind::kCreateChild, "ts1", "cse-in/ts1", tsi.ToRecord(), {}});
    monitor_->OnCommitted(fx);
  }

  Resource Stored() { return *Resource::FromRecord(**store_->Get("ts1")); }

  // The detection time of the n-th expected point.
  TimePoint DueAt(int n) { return anchor_ + n * milliseconds(400) + milliseconds(200); }

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<MissingDataMonitor> monitor_;
  std::vector<Event> events_;
  TimePoint anchor_ = Now();
};

TEST_F(MissingDataMonitorTest, RecordsAPointMissingAtItsDetectionTime) {
  Start(Series());
  EXPECT_EQ(monitor_->monitored(), 1u);
  EXPECT_EQ(monitor_->RunDue(DueAt(1) - milliseconds(1)), 0u);
  EXPECT_EQ(monitor_->RunDue(DueAt(1)), 1u);
  Resource ts = Stored();
  EXPECT_EQ(json::GetInt(ts.attrs, "mdc"), 1);
  const std::string expected = FormatTimestamp(anchor_ + milliseconds(400));
  EXPECT_EQ(ts.attrs.at("mdlt"), (bj::array{bj::string(expected)}));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].kind, Event::Kind::kMissingData);
  EXPECT_EQ(events_[0].subject_ri, "ts1");
  EXPECT_EQ(events_[0].modified, std::vector<std::string>{expected});
}

TEST_F(MissingDataMonitorTest, AnInstanceWithinTheDeltaIsNotMissing) {
  Start(Series());
  Instance("tsi1", anchor_ + milliseconds(400 + 90));  // 90 ms late: within peid
  Instance("tsi2", anchor_ + milliseconds(800 - 150));  // 150 ms early: outside peid
  EXPECT_EQ(monitor_->RunDue(DueAt(2)), 1u);
  Resource ts = Stored();
  EXPECT_EQ(json::GetInt(ts.attrs, "mdc"), 1);
  EXPECT_EQ(ts.attrs.at("mdlt"),
            (bj::array{bj::string(FormatTimestamp(anchor_ + milliseconds(800)))}));
}

TEST_F(MissingDataMonitorTest, ConfirmsAgainstTheStoreBeforeRecording) {
  Start(Series());
  // Stored but not (yet) reported to the monitor: the write finds it and records nothing.
  Resource tsi;
  tsi.attrs = bj::parse(R"({"ri":"late","pi":"ts1","rn":"late","con":"x"})").as_object();
  tsi.attrs["ty"] = rty::kTimeSeriesInstance;
  tsi.attrs["dgt"] = FormatTimestamp(anchor_ + milliseconds(400));
  tsi.path = "cse-in/ts1/late";
  ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& txn) {
                      return txn.Insert(tsi.ToRecord());
                    }).ok());
  monitor_->RunDue(DueAt(1));
  EXPECT_FALSE(Stored().attrs.contains("mdlt"));
  EXPECT_TRUE(events_.empty());
}

TEST_F(MissingDataMonitorTest, StopsWithTheSeriesAndWithDetectionSwitchedOff) {
  Start(Series());
  WriteEffects off;
  Resource paused = Series();
  paused.attrs["mdd"] = false;
  off.series.push_back(paused.ToRecord());
  monitor_->OnCommitted(off);
  EXPECT_EQ(monitor_->monitored(), 0u);
  EXPECT_EQ(monitor_->RunDue(DueAt(5)), 0u);
  Start(Series());
  WriteEffects gone;
  gone.deleted.push_back(Series().ToRecord());
  monitor_->OnCommitted(gone);
  EXPECT_EQ(monitor_->monitored(), 0u);
  EXPECT_EQ(monitor_->RunDue(DueAt(5)), 0u);
}

TEST_F(MissingDataMonitorTest, ARestartedDetectionIgnoresChecksOfTheOldOne) {
  Start(Series());
  // The stored series restarted (a new anchor) after the monitor queued its check.
  Resource restarted = Series();
  restarted.attrs[resources::kMonitoringAnchor] = FormatTimestamp(anchor_ + milliseconds(5));
  ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& txn) {
                      return txn.Update(restarted.ToRecord());
                    }).ok());
  monitor_->RunDue(DueAt(1));
  EXPECT_FALSE(Stored().attrs.contains("mdlt"));
}

TEST_F(MissingDataMonitorTest, AnOldFirstInstanceExaminesAtMostTheListBound) {
  anchor_ = Now() - std::chrono::seconds(40);  // 100 points overdue
  Resource ts = Series();
  ts.attrs["mdn"] = 3;
  Start(ts);
  EXPECT_EQ(monitor_->RunDue(Now()), 1u);
  EXPECT_EQ(json::GetInt(Stored().attrs, "mdc"), 3);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].modified.size(), 3u);
}

TEST_F(MissingDataMonitorTest, AfterARestartResumesAtTheNextPointAhead) {
  anchor_ = Now() - std::chrono::seconds(40);
  Resource ts = Series();
  ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& txn) {
                      return txn.Insert(ts.ToRecord());
                    }).ok());
  ASSERT_TRUE(monitor_->Load("cse-in", Now()).ok());
  EXPECT_EQ(monitor_->monitored(), 1u);
  EXPECT_EQ(monitor_->RunDue(Now()), 0u);  // nothing overdue is examined
  EXPECT_EQ(monitor_->RunDue(Now() + std::chrono::seconds(1)), 1u);
  monitor_->Clear();
  EXPECT_EQ(monitor_->monitored(), 0u);
}

TEST_F(MissingDataMonitorTest, ManySeriesShareOneQueue) {
  for (int i = 0; i < 50; ++i) {
    Resource ts = Series();
    ts.attrs["ri"] = "ts" + std::to_string(i + 100);
    ts.path = "cse-in/" + std::string(ts.ri());
    WriteEffects fx;
    fx.series.push_back(ts.ToRecord());
    monitor_->OnCommitted(fx);
  }
  EXPECT_EQ(monitor_->monitored(), 50u);
  // They are not stored: every write finds nothing and records nothing, but each is checked.
  EXPECT_EQ(monitor_->RunDue(DueAt(1)), 50u);
  EXPECT_EQ(monitor_->RunDue(DueAt(1)), 0u);  // each has one check pending, further ahead
}

}  // namespace
}  // namespace trustcse::dispatcher
