// Tests of the Notifier's notification policies and the request path's hooks (notifier.h):
// Event Category, releases and serializations per target, batches, pending caches, statistics,
// operation monitors, Blocking_Update notifications and the wait for deletion notices.
#include <ctime>

#include "notification/notifier_fixture.h"
#include "notification/target_resolver.h"

namespace trustcse::notification {
namespace {

// A schedule entry that matches exactly the UTC second `t`.
std::string EntryFor(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return std::to_string(tm.tm_sec) + " " + std::to_string(tm.tm_min) + " " +
         std::to_string(tm.tm_hour) + " " + std::to_string(tm.tm_mday) + " " +
         std::to_string(tm.tm_mon + 1) + " * " + std::to_string(tm.tm_year + 1900);
}

std::vector<std::string> Labels(const bj::object& body) {
  std::vector<std::string> out;
  auto one = [&](const bj::object& sgn) {
    const auto& lbl =
        sgn.at("nev").as_object().at("rep").as_object().at("m2m:cnt").as_object().at("lbl");
    out.emplace_back(lbl.as_array().at(0).as_string());
  };
  if (body.contains("m2m:sgn")) {
    one(body.at("m2m:sgn").as_object());
  } else {
    for (const auto& s : body.at("m2m:agn").as_object().at("m2m:sgn").as_array()) {
      one(s.as_object());
    }
  }
  return out;
}

class NotifierPolicyTest : public NotifierTest {
 protected:
  // The container's update with label `label`, as the dispatcher would report it.
  Event Labelled(const std::string& label) {
    ResourceRecord cnt = cnt_;
    auto res = Resource::FromRecord(cnt);
    EXPECT_TRUE(res.has_value());
    res->attrs["lbl"] = bj::array{bj::string(label)};
    return Event{Event::Kind::kUpdate, "cnt1", "cse-in/ae1/cnt1", res->ToRecord(), {"lbl"}};
  }

  // A notificationSchedule under subscription `sub` allowing only the second `at`.
  void ScheduleOnlyAt(const std::string& sub, TimePoint at) {
    Insert(Record("cse-in/ae1/cnt1/" + sub + "/notificationSchedule",
                  {{"ty", 18},
                   {"ri", sub + "sch"},
                   {"pi", sub},
                   {"rn", "notificationSchedule"},
                   {"se", {{"sce", bj::array{bj::string(EntryFor(at))}}}}}));
  }

  std::optional<Resource> Stored(const std::string& ri) {
    auto rec = store_->Get(ri);
    if (!rec || !*rec) return std::nullopt;
    auto res = Resource::FromRecord(**rec);
    if (!res) return std::nullopt;
    return *res;
  }
};

TEST_F(NotifierPolicyTest, EventCategoryComesFromNecOrLatestNotify) {
  AddSub("cat", {{"nec", 3}});
  AddSub("latest", {{"nec", 3}, {"ln", true}, {"nu", bj::array{"http://127.0.0.1:9/l"}}});
  AddSub("none", {{"nu", bj::array{"http://127.0.0.1:9/n"}}});
  StartNotifier();
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 3; }));
  for (const Notification& n : log_->Snapshot()) {
    if (n.target == kSubscriberUrl) {
      EXPECT_EQ(n.ec, 3);
    } else if (n.target == "http://127.0.0.1:9/l") {
      EXPECT_EQ(n.ec, 4);
    } else {
      EXPECT_FALSE(n.ec.has_value());
    }
  }
}

TEST_F(NotifierPolicyTest, ReleaseAndSerializationFollowTheTarget) {
  Insert(Record("cse-in/ae2", {{"ty", 2},
                               {"ri", "Cae2"},
                               {"pi", "id-in"},
                               {"rn", "ae2"},
                               {"srv", bj::array{"2a", "3", "9"}},
                               {"csz", bj::array{"application/xml", "application/cbor"}},
                               {"poa", bj::array{"http://127.0.0.1:9/ae2"}}}));
  AddSub("sub1", {{"nu", bj::array{"Cae2", "http://127.0.0.1:9/u?ct=cbor", kSubscriberUrl}}});
  StartNotifier();
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 3; }));
  for (const Notification& n : log_->Snapshot()) {
    if (n.target == "http://127.0.0.1:9/ae2") {
      EXPECT_EQ(n.rvi, "3");  // the highest of its releases this CSE supports
      EXPECT_TRUE(n.cbor);    // its first writable serialization
    } else if (n.target == "http://127.0.0.1:9/u") {
      EXPECT_EQ(n.rvi, OwnRelease());
      EXPECT_TRUE(n.cbor);
    } else {
      EXPECT_EQ(n.rvi, OwnRelease());
      EXPECT_FALSE(n.cbor);
    }
  }
}

TEST(Releases, HighestCommonReleaseOrdersLettersAfterNumbers) {
  EXPECT_EQ(HighestCommonRelease({"2a", "3"}), "3");
  EXPECT_EQ(HighestCommonRelease({"1", "2a"}), "2a");
  EXPECT_EQ(HighestCommonRelease({"7", "x"}), "");
  EXPECT_EQ(OwnRelease(), "4");
  EXPECT_EQ(ContentTypeParam("http://h/p?a=1&ct=cbor"), "cbor");
  EXPECT_EQ(ContentTypeParam("http://h/p"), "");
}

TEST_F(NotifierPolicyTest, BatchOfNumberGoesAsOneAggregatedNotificationInOrder) {
  AddSub("sub1", {{"bn", {{"num", 3}, {"dur", "PT30S"}}}, {"exc", 5}});
  StartNotifier();
  Commit({Labelled("b0")});
  Commit({Labelled("b1")});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(log_->size(), 0u);  // held until the third
  Commit({Labelled("b2")});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  EXPECT_EQ(Labels(ParseObject(log_->Snapshot()[0].body)),
            (std::vector<std::string>{"b0", "b1", "b2"}));
  // One request: exc counts it once.
  ASSERT_TRUE(WaitFor([&] {
    auto sub = Stored("sub1");
    return sub && json::GetInt(sub->attrs, "exc") == 4;
  }));
}

TEST_F(NotifierPolicyTest, BatchGoesWhenItsDurationEnds) {
  AddSub("sub1", {{"bn", {{"dur", "PT0.3S"}}}});
  StartNotifier();
  Commit({Labelled("d0")});
  Commit({Labelled("d1")});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(log_->size(), 0u);
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  EXPECT_EQ(Labels(ParseObject(log_->Snapshot()[0].body)),
            (std::vector<std::string>{"d0", "d1"}));
}

TEST_F(NotifierPolicyTest, BatchWithLatestNotifySendsOnlyTheLatest) {
  AddSub("sub1", {{"bn", {{"num", 3}, {"dur", "PT30S"}}}, {"ln", true}});
  StartNotifier();
  for (const char* l : {"l0", "l1", "l2"}) Commit({Labelled(l)});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  Notification n = log_->Snapshot()[0];
  EXPECT_EQ(Labels(ParseObject(n.body)), (std::vector<std::string>{"l2"}));
  EXPECT_TRUE(ParseObject(n.body).contains("m2m:sgn"));
  EXPECT_EQ(n.ec, 4);
}

TEST_F(NotifierPolicyTest, DeletedSubscriptionSendsItsBatchBeforeTheDeletionNotice) {
  ResourceRecord sub = AddSub("sub1", {{"bn", {{"num", 5}, {"dur", "PT30S"}}}, {"su", kSuUrl}});
  StartNotifier();
  Commit({Labelled("x")});
  Commit({}, {sub});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 2; }));
  auto sent = log_->Snapshot();
  EXPECT_EQ(sent[0].target, kSubscriberUrl);
  EXPECT_EQ(sent[1].target, kSuUrl);
}

TEST_F(NotifierPolicyTest, SendAllPendingCachesEventsUntilTheScheduleOpens) {
  // The schedule opens at the start of that second.
  const TimePoint open = std::chrono::floor<std::chrono::seconds>(Now() + std::chrono::seconds(2));
  AddSub("sub1", {{"pn", 2}});
  ScheduleOnlyAt("sub1", open);
  StartNotifier();
  Commit({Labelled("p0")});
  Commit({Labelled("p1")});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(log_->size(), 0u);
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 2; }, std::chrono::seconds(5)));
  EXPECT_GE(Now(), open - std::chrono::milliseconds(50));
  auto sent = log_->Snapshot();
  EXPECT_EQ(Labels(ParseObject(sent[0].body)), (std::vector<std::string>{"p0"}));
  EXPECT_EQ(Labels(ParseObject(sent[1].body)), (std::vector<std::string>{"p1"}));
}

TEST_F(NotifierPolicyTest, SendAllPendingSendsTheNextOnlyOnceThePreviousWasAnswered) {
  // Two requests in flight to one target could arrive in either order (two connections):
  // cached notifications go one at a time, in the order of their events.
  const TimePoint open = std::chrono::floor<std::chrono::seconds>(Now() + std::chrono::seconds(2));
  AddSub("sub1", {{"pn", 2}});
  ScheduleOnlyAt("sub1", open);
  log_->hold = true;
  StartNotifier();
  Commit({Labelled("p0")});
  Commit({Labelled("p1")});
  Commit({Labelled("p2")});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }, std::chrono::seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(log_->size(), 1u);  // p1 waits for p0's answer
  auto answer_next = [&](size_t expect_sent) {
    std::function<void(Status)> done;
    {
      std::lock_guard lock(log_->mu);
      ASSERT_FALSE(log_->held.empty());
      done = std::move(log_->held.front());
      log_->held.erase(log_->held.begin());
    }
    done(Status::Ok());
    ASSERT_TRUE(WaitFor([&] { return log_->size() == expect_sent; }));
  };
  answer_next(2);
  answer_next(3);
  auto sent = log_->Snapshot();
  ASSERT_EQ(sent.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(Labels(ParseObject(sent[i].body)),
              (std::vector<std::string>{"p" + std::to_string(i)}));
  }
}

TEST_F(NotifierPolicyTest, SendLatestCachesOnlyTheLatestWithEventCategoryLatest) {
  AddSub("sub1", {{"pn", 1}});
  ScheduleOnlyAt("sub1", Now() + std::chrono::seconds(2));
  StartNotifier();
  Commit({Labelled("q0")});
  Commit({Labelled("q1")});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }, std::chrono::seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto sent = log_->Snapshot();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Labels(ParseObject(sent[0].body)), (std::vector<std::string>{"q1"}));
  EXPECT_EQ(sent[0].ec, 4);
}

TEST_F(NotifierPolicyTest, WithoutPendingNotificationEventsOutsideTheScheduleAreDropped) {
  AddSub("sub1", {});
  ScheduleOnlyAt("sub1", Now() + std::chrono::seconds(1));
  StartNotifier();
  Commit({Labelled("gone")});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(log_->size(), 0u);
}

TEST_F(NotifierPolicyTest, StatisticsCountEventsRequestsAndResponsesPerTarget) {
  AddSub("sub1", {{"nse", true}, {"nu", bj::array{kSubscriberUrl, "http://127.0.0.1:9/down"}}});
  log_->fail_targets.insert("http://127.0.0.1:9/down");
  StartNotifier(/*max_attempts=*/1);
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] {
    auto sub = Stored("sub1");
    if (!sub || !sub->attrs.contains("nsi")) return false;
    const auto& nsi = sub->attrs.at("nsi").as_array();
    return nsi.size() == 2 && json::GetInt(nsi[0].as_object(), "rsr") == 1;
  }));
  const auto nsi = Stored("sub1")->attrs.at("nsi").as_array();
  const auto& up = nsi[0].as_object();
  EXPECT_EQ(up.at("tg").as_string(), kSubscriberUrl);
  EXPECT_EQ(json::GetInt(up, "rqs"), 1);
  EXPECT_EQ(json::GetInt(up, "noec"), 1);
  const auto& down = nsi[1].as_object();
  EXPECT_EQ(json::GetInt(down, "rqs"), 1);
  EXPECT_EQ(json::GetInt(down, "rsr"), 0);  // never answered
}

TEST_F(NotifierPolicyTest, OperationMonitorHearsMatchingOperations) {
  AddSub("mon", {{"enc", {{"om", bj::array{bj::object{{"ops", 2}, {"org", "Cae1"}}}}}}});
  StartNotifier();
  ASSERT_TRUE(notifier_->AnyOperationMonitors());
  EXPECT_TRUE(notifier_->MonitorsOperations("cnt1"));
  notifier_->OnOperation("cnt1", Operation::kUpdate, "Cae1");     // not RETRIEVE
  notifier_->OnOperation("cnt1", Operation::kRetrieve, "Cother");  // another originator
  notifier_->OnOperation("cnt1", Operation::kRetrieve, "Cae1");
  ASSERT_TRUE(WaitFor([&] { return log_->size() >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto sent = log_->Snapshot();
  ASSERT_EQ(sent.size(), 1u);
  bj::object nev = Sgn(sent[0]).at("nev").as_object();
  EXPECT_EQ(json::AsInt(nev.at("om").as_object().at("ops")), 2);
  EXPECT_EQ(nev.at("om").as_object().at("org").as_string(), "Cae1");
  EXPECT_TRUE(nev.at("rep").as_object().contains("m2m:cnt"));
  // An operation monitor is no update subscription.
  Commit({UpdateEvent()});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(log_->size(), 1u);
}

TEST_F(NotifierPolicyTest, BlockingUpdateIsIndexedAndAnsweredByItsTarget) {
  ResourceRecord sub = AddSub("blk", {{"nu", bj::array{"ae1ri"}},
                                      {"nct", 2},
                                      {"enc", {{"net", bj::array{7}}}}});
  log_->fail_targets.insert(kAePoa);
  log_->fail_with = Rsc::kOperationNotAllowed;
  StartNotifier();
  ASSERT_EQ(notifier_->BlockingSubscription("cnt1"), std::optional<std::string>("blk"));
  auto res = Resource::FromRecord(sub);
  ASSERT_TRUE(res.has_value());
  std::promise<Status> answer;
  notifier_->NotifyBlockingUpdate(*res, "m2m:cnt", bj::object{{"lbl", bj::array{"x"}}},
                                  [&](Status s) { answer.set_value(s); });
  auto f = answer.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f.get().code(), Rsc::kOperationNotAllowed);
  auto sent = log_->Snapshot();
  ASSERT_EQ(sent.size(), 1u);  // once, no retries
  EXPECT_EQ(sent[0].target, kAePoa);
  bj::object nev = Sgn(sent[0]).at("nev").as_object();
  EXPECT_EQ(json::AsInt(nev.at("net")), 7);
  EXPECT_EQ(bj::serialize(nev.at("rep")), R"({"m2m:cnt":{"lbl":["x"]}})");
  // Deleted: the index forgets it.
  Commit({}, {sub});
  EXPECT_TRUE(WaitFor([&] { return !notifier_->BlockingSubscription("cnt1").has_value(); }));
}

TEST_F(NotifierPolicyTest, DeletionWaitsForTheFirstAnswerOfEachNotice) {
  ResourceRecord sub = AddSub("sub1", {{"su", kSuUrl}});
  log_->hold = true;
  StartNotifier();
  std::atomic<bool> answered{false};
  WriteEffects fx;
  fx.deleted = {sub};
  notifier_->OnCommitted(fx, [&] { answered = true; });
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(answered);
  std::function<void(Status)> done;
  {
    std::lock_guard lock(log_->mu);
    done = std::move(log_->held.front());
  }
  done(Status::Ok());
  EXPECT_TRUE(answered);
}

TEST_F(NotifierPolicyTest, DeletionWaitEndsAtItsLimit) {
  ResourceRecord sub = AddSub("sub1", {{"su", kSuUrl}});
  log_->hold = true;
  StartNotifier(5, 10, /*notice_wait_ms=*/200);
  std::atomic<bool> answered{false};
  WriteEffects fx;
  fx.deleted = {sub};
  notifier_->OnCommitted(fx, [&] { answered = true; });
  EXPECT_FALSE(answered);
  EXPECT_TRUE(WaitFor([&] { return answered.load(); }, std::chrono::seconds(3)));
}

TEST_F(NotifierPolicyTest, DeletionWithoutNoticesDoesNotWait) {
  ResourceRecord sub = AddSub("sub1", {});
  StartNotifier();
  bool answered = false;
  WriteEffects fx;
  fx.deleted = {sub};
  notifier_->OnCommitted(fx, [&] { answered = true; });
  EXPECT_TRUE(answered);
}

TEST_F(NotifierPolicyTest, StoppingAnswersWaitingDeletions) {
  ResourceRecord sub = AddSub("sub1", {{"su", kSuUrl}});
  log_->hold = true;
  StartNotifier();
  std::atomic<bool> answered{false};
  WriteEffects fx;
  fx.deleted = {sub};
  notifier_->OnCommitted(fx, [&] { answered = true; });
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  notifier_->Stop();
  {
    std::lock_guard lock(log_->mu);
    log_->held.clear();  // the sender drops its exchanges
  }
  EXPECT_TRUE(answered);
}

}  // namespace
}  // namespace trustcse::notification
