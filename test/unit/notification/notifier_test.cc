// Tests of the Notifier (notification/notifier.h) against the in-memory store and a recording
// Sender: matching, representations, retries, expirationCounter, deletion notices, verification
// and target resolution.
#include "notification/notifier_fixture.h"

namespace trustcse::notification {
namespace {

TEST_F(NotifierTest, DeliversUpdateToMatchingSubscription) {
  AddSub("sub1", {{"cr", "Cae1"}});
  StartNotifier();
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  Notification n = log_->Snapshot()[0];
  EXPECT_EQ(n.target, kSubscriberUrl);
  EXPECT_FALSE(n.rqi.empty());
  bj::object sgn = Sgn(n);
  EXPECT_EQ(sgn.at("sur").as_string(), "/id-in/sub1");
  EXPECT_EQ(sgn.at("cr").as_string(), "Cae1");
  const auto& nev = sgn.at("nev").as_object();
  EXPECT_EQ(json::AsInt(nev.at("net")), 1);
  const auto& cnt = nev.at("rep").as_object().at("m2m:cnt").as_object();
  EXPECT_EQ(cnt.at("ri").as_string(), "cnt1");
  EXPECT_EQ(cnt.at("lbl").as_array().size(), 1u);
  EXPECT_FALSE(cnt.contains("__internal"));
}

TEST_F(NotifierTest, OmitsCreatorWhenSubscriptionHasNone) {
  AddSub("sub1", {});
  StartNotifier();
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  EXPECT_FALSE(Sgn(log_->Snapshot()[0]).contains("cr"));
}

TEST_F(NotifierTest, FlexContainerUsesItsSpecializationKey) {
  AddSub("sub1", {{"enc", {{"net", bj::array{3}}}}});
  StartNotifier();
  ResourceRecord fcnt =
      Record("cse-in/ae1/cnt1/fc1", {{"ty", 28},
                                     {"ri", "fc1"},
                                     {"pi", "cnt1"},
                                     {"rn", "fc1"},
                                     {"cnd", "org.onem2m.common.moduleclass.colour"},
                                     {"red", 10},
                                     {"__tag", "cod:color"}});
  Commit({ChildEvent(Event::Kind::kCreateChild, fcnt)});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  bj::object rep = Sgn(log_->Snapshot()[0]).at("nev").as_object().at("rep").as_object();
  ASSERT_TRUE(rep.contains("cod:color")) << bj::serialize(rep);
  EXPECT_EQ(json::AsInt(rep.at("cod:color").as_object().at("red")), 10);
  EXPECT_FALSE(rep.at("cod:color").as_object().contains("__tag"));
}

TEST_F(NotifierTest, NetFilterSelectsEventKinds) {
  AddSub("sub1", {{"enc", {{"net", bj::array{3}}}}});
  StartNotifier();
  // The worker handles commits in order, so once the create-child notification is out the
  // update has been processed too.
  Commit({UpdateEvent()});
  Commit({ChildEvent(Event::Kind::kCreateChild, Cin("cin1"))});
  ASSERT_TRUE(WaitFor([&] { return log_->size() >= 1; }));
  auto sent = log_->Snapshot();
  ASSERT_EQ(sent.size(), 1u);
  bj::object nev = Sgn(sent[0]).at("nev").as_object();
  EXPECT_EQ(json::AsInt(nev.at("net")), 3);
  EXPECT_EQ(nev.at("rep").as_object().at("m2m:cin").as_object().at("ri").as_string(), "cin1");
}

TEST_F(NotifierTest, ChildTypeFilterSelectsChildren) {
  AddSub("sub1", {{"enc", {{"net", bj::array{3}}, {"chty", bj::array{4}}}}});
  StartNotifier();
  ResourceRecord child_cnt =
      Record("cse-in/ae1/cnt1/cnt2", {{"ty", 3}, {"ri", "cnt2"}, {"pi", "cnt1"}, {"rn", "cnt2"}});
  Commit({ChildEvent(Event::Kind::kCreateChild, child_cnt)});
  Commit({ChildEvent(Event::Kind::kCreateChild, Cin("cin1"))});
  ASSERT_TRUE(WaitFor([&] { return log_->size() >= 1; }));
  auto sent = log_->Snapshot();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(Sgn(sent[0]).at("nev").as_object().at("rep").as_object().contains("m2m:cin"));
}

TEST_F(NotifierTest, SizeConditionFiltersEvents) {
  AddSub("sub1", {{"enc", {{"net", bj::array{3}}, {"sza", 10}}}});
  StartNotifier();
  Commit({ChildEvent(Event::Kind::kCreateChild, Cin("small", 5))});
  Commit({ChildEvent(Event::Kind::kCreateChild, Cin("large", 20))});
  ASSERT_TRUE(WaitFor([&] { return log_->size() >= 1; }));
  auto sent = log_->Snapshot();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Sgn(sent[0])
                .at("nev")
                .as_object()
                .at("rep")
                .as_object()
                .at("m2m:cin")
                .as_object()
                .at("ri")
                .as_string(),
            "large");
}

TEST_F(NotifierTest, ResourceIdContentTypeSendsOnlyTheId) {
  AddSub("sub1", {{"nct", 3}, {"enc", {{"net", bj::array{3}}}}});
  StartNotifier();
  Commit({ChildEvent(Event::Kind::kCreateChild, Cin("cin1"))});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  bj::object nev = Sgn(log_->Snapshot()[0]).at("nev").as_object();
  // Table 6.3.5.62-1: the m2m:URI global element, the ID SP-relative like sur.
  ASSERT_TRUE(nev.at("rep").is_object()) << bj::serialize(nev);
  EXPECT_EQ(nev.at("rep").as_object().at("m2m:uri").as_string(), "/id-in/cin1");
}

TEST_F(NotifierTest, ModifiedAttributesContentTypeSendsOnlyChanges) {
  AddSub("sub1", {{"nct", 2}});
  StartNotifier();
  Commit({UpdateEvent({"lbl", "mni"})});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  bj::object cnt = Sgn(log_->Snapshot()[0])
                       .at("nev")
                       .as_object()
                       .at("rep")
                       .as_object()
                       .at("m2m:cnt")
                       .as_object();
  EXPECT_EQ(cnt.size(), 2u);
  EXPECT_TRUE(cnt.at("lbl").is_array());
  EXPECT_TRUE(cnt.at("mni").is_null());  // removed by the update
}

TEST_F(NotifierTest, RetriesAfterFailureThenSucceeds) {
  AddSub("sub1", {});
  log_->fail_first = 2;
  StartNotifier(/*max_attempts=*/5, /*first_retry_ms=*/10);
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 3; }));
  auto sent = log_->Snapshot();
  EXPECT_EQ(sent[0].body, sent[2].body);
  EXPECT_EQ(sent[0].target, sent[2].target);
  // The third attempt succeeded: nothing more is sent, even after the next back-off would be due.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(log_->size(), 3u);
}

TEST_F(NotifierTest, GivesUpAfterMaxAttempts) {
  AddSub("sub1", {});
  log_->fail_targets.insert(kSubscriberUrl);
  StartNotifier(/*max_attempts=*/3, /*first_retry_ms=*/10);
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 3; }));
  // A fourth attempt would be due 40 ms after the third.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(log_->size(), 3u);
}

TEST_F(NotifierTest, RetryDoesNotDelayOtherDeliveries) {
  AddSub("sub1", {});
  log_->fail_targets.insert(kSubscriberUrl);
  StartNotifier(/*max_attempts=*/2, /*first_retry_ms=*/60000);
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  // A second subscription created afterwards is served while the first waits for its retry.
  ResourceRecord sub2 = AddSub("sub2", {{"nu", bj::array{"http://127.0.0.1:9/other"}}});
  Commit({ChildEvent(Event::Kind::kCreateChild, sub2)});
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& n : log_->Snapshot()) {
          if (n.target == "http://127.0.0.1:9/other") return true;
        }
        return false;
      },
      std::chrono::seconds(2)));
}

TEST_F(NotifierTest, LearnsSubscriptionsCreatedAfterStart) {
  StartNotifier();
  ResourceRecord sub = AddSub("sub1", {});
  Commit({ChildEvent(Event::Kind::kCreateChild, sub)});
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  // The subscription is not told about its own creation.
  EXPECT_EQ(json::AsInt(Sgn(log_->Snapshot()[0]).at("nev").as_object().at("net")), 1);
}

TEST_F(NotifierTest, ExpirationCounterDeletesSubscriptionAndNotifiesSubscriber) {
  AddSub("sub1", {{"exc", 1}, {"su", kSuUrl}});
  StartNotifier();
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] {
    auto got = store_->Get("sub1");
    return got && !got->has_value();
  }));
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 2; }));
  auto sent = log_->Snapshot();
  EXPECT_EQ(sent[0].target, kSubscriberUrl);
  EXPECT_EQ(sent[1].target, kSuUrl);
  bj::object sgn = Sgn(sent[1]);
  EXPECT_EQ(sgn.at("sud"), true);
  EXPECT_EQ(sgn.at("sur").as_string(), "/id-in/sub1");
  // Gone from the notifier's view too: a later update reaches nobody.
  Commit({UpdateEvent()});
  Commit({ChildEvent(Event::Kind::kCreateChild, Cin("cin1"))});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(log_->size(), 2u);
}

TEST_F(NotifierTest, ExpirationCounterDecrementsPerDelivery) {
  AddSub("sub1", {{"exc", 3}});
  StartNotifier();
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] {
    auto got = store_->Get("sub1");
    if (!got || !*got) return false;
    auto res = Resource::FromRecord(**got);
    return res && json::GetInt(res->attrs, "exc") == 2;
  }));
}

TEST_F(NotifierTest, DeletionOfSubscribedResourceNotifiesAndSendsSud) {
  AddSub("sub1", {{"enc", {{"net", bj::array{2}}}}, {"su", kSuUrl}});
  AddSub("sub2", {{"nu", bj::array{"http://127.0.0.1:9/other"}}});  // net [1]: not told
  StartNotifier();
  std::vector<ResourceRecord> deleted;
  ASSERT_TRUE(store_
                  ->SubmitAndWait([&](storage::WriteTxn& t) -> Status {
                    auto d = t.DeleteSubtree("cnt1");
                    if (!d) return d.error();
                    deleted = *d;
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(deleted.size(), 3u);
  Commit({Event{Event::Kind::kDelete, "cnt1", "cse-in/ae1/cnt1", cnt_, {}},
          Event{Event::Kind::kDeleteChild, "ae1ri", "cse-in/ae1", cnt_, {}}},
         deleted);
  ASSERT_TRUE(WaitFor([&] { return log_->size() >= 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto sent = log_->Snapshot();
  ASSERT_EQ(sent.size(), 2u);
  bool saw_delete = false, saw_sud = false;
  for (const auto& n : sent) {
    bj::object sgn = Sgn(n);
    EXPECT_EQ(sgn.at("sur").as_string(), "/id-in/sub1");
    if (n.target == kSubscriberUrl) {
      saw_delete = json::AsInt(sgn.at("nev").as_object().at("net")) == 2;
    } else if (n.target == kSuUrl) {
      saw_sud = sgn.contains("sud");
    }
  }
  EXPECT_TRUE(saw_delete);
  EXPECT_TRUE(saw_sud);
}

TEST_F(NotifierTest, VerifySucceeds) {
  StartNotifier();
  Resource sub{"cse-in/ae1/cnt1/sub9", {{"ty", 23}, {"ri", "sub9"}}, "Cae2"};
  std::promise<Status> result;
  notifier_->Verify(sub, kSubscriberUrl, "Cae2", [&](Status s) { result.set_value(s); });
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(f.get().ok());
  auto sent = log_->Snapshot();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].target, kSubscriberUrl);
  bj::object sgn = Sgn(sent[0]);
  EXPECT_EQ(sgn.at("vrq"), true);
  EXPECT_EQ(sgn.at("sur").as_string(), "/id-in/sub9");
  EXPECT_EQ(sgn.at("cr").as_string(), "Cae2");
}

TEST_F(NotifierTest, VerifyFailureReports5204) {
  log_->fail_targets.insert(kSubscriberUrl);
  StartNotifier();
  Resource sub{"cse-in/ae1/cnt1/sub9", {{"ty", 23}, {"ri", "sub9"}}, "Cae2"};
  std::promise<Status> result;
  notifier_->Verify(sub, kSubscriberUrl, "Cae2", [&](Status s) { result.set_value(s); });
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f.get().code(), Rsc::kSubscriptionVerificationInitiationFailed);
  EXPECT_EQ(log_->size(), 1u);  // no retries for verification
}

TEST_F(NotifierTest, VerifyOfUnresolvableTargetReports5204) {
  StartNotifier();
  Resource sub{"cse-in/ae1/cnt1/sub9", {{"ty", 23}, {"ri", "sub9"}}, "Cae2"};
  std::promise<Status> result;
  notifier_->Verify(sub, "no-such-ae", "Cae2", [&](Status s) { result.set_value(s); });
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f.get().code(), Rsc::kSubscriptionVerificationInitiationFailed);
  EXPECT_EQ(log_->size(), 0u);
}

TEST_F(NotifierTest, ResolveTargetUsesHttpPoaOfAe) {
  StartNotifier();
  EXPECT_EQ(notifier_->ResolveTarget("ae1ri"), kAePoa);         // resource ID
  EXPECT_EQ(notifier_->ResolveTarget("/id-in/ae1ri"), kAePoa);  // SP-relative
  EXPECT_EQ(notifier_->ResolveTarget("cse-in/ae1"), kAePoa);    // structured
  EXPECT_EQ(notifier_->ResolveTarget("cnt1"), "");              // not an AE
  EXPECT_EQ(notifier_->ResolveTarget("unknown"), "");
}

TEST_F(NotifierTest, ResolveTargetFallsBackToAnMqttPoaAddressedToTheAe) {
  Insert(Record("cse-in/ae2", {{"ty", 2},
                               {"ri", "Cae2"},
                               {"pi", "id-in"},
                               {"rn", "ae2"},
                               {"aei", "Cae2"},
                               {"poa", bj::array{"ws://h", "mqtt://broker:1883/site"}}}));
  StartNotifier();
  EXPECT_EQ(notifier_->ResolveTarget("Cae2"), "mqtt://broker:1883/site#Cae2");
}

TEST_F(NotifierTest, ResolveTargetKeepsUrlsAndStripsContentType) {
  StartNotifier();
  EXPECT_EQ(notifier_->ResolveTarget("http://h:1/p"), "http://h:1/p");
  EXPECT_EQ(notifier_->ResolveTarget("http://h:1/p?ct=json"), "http://h:1/p");
  EXPECT_EQ(notifier_->ResolveTarget("http://h:1/p?a=1&ct=json"), "http://h:1/p?a=1");
  EXPECT_EQ(notifier_->ResolveTarget("https://h/p"), "https://h/p");
  EXPECT_EQ(notifier_->ResolveTarget("mqtt://h:1883"), "");
}

TEST_F(NotifierTest, SkipsUnresolvableTargets) {
  AddSub("sub1", {{"nu", bj::array{"no-such-ae", kSubscriberUrl}}});
  StartNotifier();
  Commit({UpdateEvent()});
  ASSERT_TRUE(WaitFor([&] { return log_->size() == 1; }));
  EXPECT_EQ(log_->Snapshot()[0].target, kSubscriberUrl);
}

TEST_F(NotifierTest, StopIsIdempotentAndStopsTheSender) {
  StartNotifier();
  notifier_->Stop();
  notifier_->Stop();
  EXPECT_TRUE(log_->stopped);
  Commit({UpdateEvent()});  // ignored after Stop
  EXPECT_EQ(log_->size(), 0u);
}

}  // namespace
}  // namespace trustcse::notification
