// The dispatcher without any binding: primitives in, primitives out, on the in-memory store.
#include "dispatcher/dispatcher.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "primitive/json_util.h"
#include "server/security_chains.h"
#include "events/event_log.h"

namespace trustcse::dispatcher {
namespace {

// Records notifications and answers every one with success.
class RecordingSender : public notification::Sender {
 public:
  void Send(const notification::Notification& n, std::function<void(Status)> done) override {
    {
      std::lock_guard lock(mu);
      sent.push_back(n);
    }
    done(Status::Ok());
  }
  void Stop() override {}
  std::mutex mu;
  std::vector<notification::Notification> sent;
};

using events::EventLog;

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::OpenMemoryStore();
    auto sender = std::make_unique<RecordingSender>();
    sender_ = sender.get();
    notification::NotifierOptions no;
    no.self = self_;
    notifier_ = std::make_unique<notification::Notifier>(no, *store_, std::move(sender));
    DispatcherOptions o;
    o.self = self_;
    events_->Subscribe(event_log_, {events::kAllKinds, 10000, true, "test"});
    o.events = events_;
    dispatcher_ = std::make_unique<Dispatcher>(o, *store_, *notifier_);
    // The chains as the server assembles them (server/security_chains.h).
    dispatcher_->InstallSecurityChains(
        server::AssembleChains({}, dispatcher_->authorization_services()));
    ASSERT_TRUE(dispatcher_->Bootstrap().ok());
    ASSERT_TRUE(notifier_->Start().ok());
  }
  void TearDown() override {
    notifier_->Stop();
    store_->Close();
  }

  ResponsePrimitive Call(Operation op, std::string to, std::string fr, int ty = 0,
                         std::string pc = "") {
    RequestPrimitive req;
    req.op = op;
    req.to = std::move(to);
    req.fr = std::move(fr);
    req.rqi = "r" + std::to_string(++rqi_);
    req.rvi = "3";
    req.ty = ty;
    if (!pc.empty()) req.pc = *json::Parse(pc);
    std::promise<ResponsePrimitive> p;
    auto f = p.get_future();
    dispatcher_->Handle(std::move(req), [&p](ResponsePrimitive r) { p.set_value(std::move(r)); });
    return f.get();
  }

  CseIdentity self_{"/id-in", "cse-in", "//trustcse.local"};
  std::shared_ptr<events::EventStream> events_ = std::make_shared<events::EventStream>();
  std::shared_ptr<EventLog> event_log_ = std::make_shared<EventLog>();
  std::unique_ptr<storage::Store> store_;
  RecordingSender* sender_ = nullptr;
  std::unique_ptr<notification::Notifier> notifier_;
  std::unique_ptr<Dispatcher> dispatcher_;
  int rqi_ = 0;
};

TEST_F(DispatcherTest, BootstrapCreatesCseBaseOnce) {
  auto r = Call(Operation::kRetrieve, "cse-in", "CAdmin");
  ASSERT_EQ(r.rsc, Rsc::kOk) << r.pc;
  auto cb = boost::json::parse(r.pc).at("m2m:cb");
  EXPECT_EQ(cb.at("ri").as_string(), "id-in");
  ASSERT_TRUE(dispatcher_->Bootstrap().ok());  // idempotent
  EXPECT_EQ(Call(Operation::kRetrieve, "/id-in", "CAdmin").rsc, Rsc::kOk);
}

TEST_F(DispatcherTest, PendingNonBlockingRequestsFailAtTheNextStart) {
  // A <request> left PENDING, as a stop in the middle of its operation leaves it.
  storage::ResourceRecord rec;
  rec.ri = "reqpending";
  rec.pi = "id-in";
  rec.rn = "reqpending";
  rec.path = "cse-in/reqpending";
  rec.ty = 17;
  rec.ct = rec.lt = "20260101T000000,000000";
  rec.cr = "Cone";
  rec.body = R"({"ty":17,"ri":"reqpending","pi":"id-in","rn":"reqpending","op":2,"tg":"cse-in",)"
             R"("org":"Cone","rid":"r9","rs":3,"ct":"20260101T000000,000000",)"
             R"("lt":"20260101T000000,000000"})";
  ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& t) { return t.Insert(rec); }).ok());
  ASSERT_TRUE(dispatcher_->Bootstrap().ok());
  auto r = Call(Operation::kRetrieve, "cse-in/reqpending", "CAdmin");
  ASSERT_EQ(r.rsc, Rsc::kOk) << r.pc;
  auto req = boost::json::parse(r.pc).at("m2m:req");
  EXPECT_EQ(req.at("rs").as_int64(), 2);
  EXPECT_EQ(req.at("ors").at("rsc").as_int64(), 5000);
  EXPECT_EQ(req.at("ors").at("rqi").as_string(), "r9");
}

TEST_F(DispatcherTest, RegistersAeAndHonoursDefaultPolicy) {
  auto r = Call(Operation::kCreate, "cse-in", "Cone", 2,
                R"({"m2m:ae":{"rn":"one","api":"Nx","rr":true,"srv":["3"]}})");
  ASSERT_EQ(r.rsc, Rsc::kCreated) << r.pc;
  EXPECT_EQ(r.content_location, "Cone");
  ASSERT_EQ(Call(Operation::kCreate, "cse-in", "Ctwo", 2,
                 R"({"m2m:ae":{"rn":"two","api":"Nx","rr":true,"srv":["3"]}})").rsc,
            Rsc::kCreated);
  ASSERT_EQ(Call(Operation::kCreate, "cse-in/one", "Cone", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc,
            Rsc::kCreated);
  EXPECT_EQ(Call(Operation::kRetrieve, "cse-in/one/c", "Cone").rsc, Rsc::kOk);
  EXPECT_EQ(Call(Operation::kRetrieve, "cse-in/one/c", "Ctwo").rsc, Rsc::kOriginatorHasNoPrivilege);
  EXPECT_EQ(Call(Operation::kRetrieve, "cse-in/one/c", "Cnobody").rsc,
            Rsc::kOriginatorNotAuthenticated);
  EXPECT_EQ(Call(Operation::kRetrieve, "/id-in/Cone", "/id-in/Cone").rsc, Rsc::kOk);
}

TEST_F(DispatcherTest, ReceiverChecksComeFirst) {
  RequestPrimitive req;
  req.op = Operation::kRetrieve;
  req.to = "cse-in";
  req.fr = "CAdmin";
  req.rqi = "x";
  req.rvi = "1";
  std::promise<ResponsePrimitive> p;
  dispatcher_->Handle(req, [&p](ResponsePrimitive r) { p.set_value(std::move(r)); });
  EXPECT_EQ(p.get_future().get().rsc, Rsc::kReleaseVersionNotSupported);
  EXPECT_EQ(Call(Operation::kRetrieve, "cse-in", "").rsc, Rsc::kBadRequest);
  EXPECT_EQ(Call(Operation::kRetrieve, "cse-in/none", "CAdmin").rsc, Rsc::kNotFound);
  EXPECT_EQ(Call(Operation::kCreate, "cse-in", "CAdmin", 3, R"({"m2m:cin":{"con":"x"}})").rsc,
            Rsc::kBadRequest);
}

TEST_F(DispatcherTest, NotifiesSubscribersOfChildCreation) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in", "CAdmin", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc,
            Rsc::kCreated);
  auto sub = Call(Operation::kCreate, "cse-in/c", "CAdmin", 23,
                  R"({"m2m:sub":{"rn":"s","nu":["http://127.0.0.1:9/x"],"enc":{"net":[3]}}})");
  ASSERT_EQ(sub.rsc, Rsc::kCreated) << sub.pc;
  ASSERT_EQ(Call(Operation::kCreate, "cse-in/c", "CAdmin", 4, R"({"m2m:cin":{"con":"7"}})").rsc,
            Rsc::kCreated);
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(sender_->mu);
      if (sender_->sent.size() >= 2) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(sender_->mu);
  ASSERT_EQ(sender_->sent.size(), 2u);  // the verification, then the event
  EXPECT_NE(sender_->sent[0].body.find("\"vrq\":true"), std::string::npos);
  EXPECT_NE(sender_->sent[1].body.find("\"net\":3"), std::string::npos);
  EXPECT_NE(sender_->sent[1].body.find("\"con\":\"7\""), std::string::npos);
}

TEST_F(DispatcherTest, ReaperDeletesExpiredResources) {
  auto soon = FormatTimestamp(Now() + std::chrono::milliseconds(300));
  ASSERT_EQ(Call(Operation::kCreate, "cse-in", "CAdmin", 3,
                 R"({"m2m:cnt":{"rn":"tmp","et":")" + soon + R"("}})").rsc,
            Rsc::kCreated);
  EXPECT_EQ(dispatcher_->ReapExpired(), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(dispatcher_->ReapExpired(), 1u);
  for (int i = 0; i < 100 && Call(Operation::kRetrieve, "cse-in/tmp", "CAdmin").rsc == Rsc::kOk; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Call(Operation::kRetrieve, "cse-in/tmp", "CAdmin").rsc, Rsc::kNotFound);
}

// A backlog of expired resources larger than one batch: each ReapExpired() deletes the next
// 1,000 soonest expired (not the first in path order) and returns once they are gone; the
// reaper thread drains the rest in one pass, not one batch per interval.
TEST_F(DispatcherTest, ReaperDrainsABacklogSoonestExpiredFirstInBatches) {
  auto containers = [&] {
    auto kids = store_->Children("id-in", 3, storage::ChildOrder::kOldestFirst, SIZE_MAX);
    EXPECT_TRUE(kids.has_value());
    std::vector<std::string> names;
    for (const auto& r : *kids) names.push_back(r.rn);
    return names;
  };
  const auto start = Now();
  auto create = [&](const std::string& prefix, int n, std::chrono::milliseconds ttl) {
    const std::string et = FormatTimestamp(start + ttl);
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(Call(Operation::kCreate, "cse-in", "CAdmin", 3,
                     R"({"m2m:cnt":{"rn":")" + prefix + std::to_string(i) + R"(","et":")" + et +
                         R"("}})")
                    .rsc,
                Rsc::kCreated);
    }
  };
  // Created first and first in path order, but expiring last.
  create("a", 1500, std::chrono::milliseconds(2000));
  create("z", 1000, std::chrono::milliseconds(1500));
  ASSERT_EQ(containers().size(), 2500u);
  std::this_thread::sleep_until(start + std::chrono::milliseconds(2100));

  EXPECT_EQ(dispatcher_->ReapExpired(), 1000u);
  auto left = containers();  // durable when ReapExpired returns: no polling
  ASSERT_EQ(left.size(), 1500u);
  for (const auto& rn : left) ASSERT_EQ(rn[0], 'a') << rn;

  const auto started = std::chrono::steady_clock::now();
  dispatcher_->StartReaper(std::chrono::seconds(3));
  while (!containers().empty() &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  dispatcher_->StopReaper();
  EXPECT_TRUE(containers().empty()) << containers().size() << " left after 5 s";
}

// Release 4 <flexContainerInstance>: kept by a flexContainer with a limit, answered by la/ol,
// made by the CSE only, never updated, and counted back on DELETE.
TEST_F(DispatcherTest, FlexContainerKeepsInstancesBehindLatestAndOldest) {
  auto fc = [](const ResponsePrimitive& r) { return boost::json::parse(r.pc).at("cod:tempe"); };
  auto r = Call(Operation::kCreate, "cse-in", "CAdmin", 28,
                R"({"cod:tempe":{"rn":"fc","cnd":"org.onem2m.common.moduleclass.temperature",)"
                R"("curT0":20.0,"mni":2}})");
  ASSERT_EQ(r.rsc, Rsc::kCreated) << r.pc;
  EXPECT_EQ(fc(r).at("cni").as_int64(), 1);
  for (double t : {21.0, 22.0}) {
    r = Call(Operation::kUpdate, "cse-in/fc", "CAdmin", 0,
             R"({"cod:tempe":{"curT0":)" + std::to_string(t) + "}}");
    ASSERT_EQ(r.rsc, Rsc::kUpdated) << r.pc;
  }
  EXPECT_EQ(fc(r).at("cni").as_int64(), 2);  // mni 2: the first one was evicted
  auto la = Call(Operation::kRetrieve, "cse-in/fc/la", "CAdmin");
  ASSERT_EQ(la.rsc, Rsc::kOk) << la.pc;
  EXPECT_EQ(fc(la).at("ty").as_int64(), 58);
  EXPECT_EQ(fc(la).at("curT0").as_double(), 22.0);
  auto ol = Call(Operation::kRetrieve, "cse-in/fc/ol", "CAdmin");
  ASSERT_EQ(ol.rsc, Rsc::kOk) << ol.pc;
  EXPECT_EQ(fc(ol).at("curT0").as_double(), 21.0);

  EXPECT_EQ(Call(Operation::kCreate, "cse-in/fc", "CAdmin", 58,
                 R"({"cod:tempe":{"curT0":1.0}})").rsc,
            Rsc::kOperationNotAllowed);
  std::string latest = "cse-in/fc/" + std::string(fc(la).at("rn").as_string());
  EXPECT_EQ(Call(Operation::kUpdate, latest, "CAdmin", 0, R"({"cod:tempe":{"curT0":1.0}})").rsc,
            Rsc::kOperationNotAllowed);

  ASSERT_EQ(Call(Operation::kDelete, "cse-in/fc/ol", "CAdmin").rsc, Rsc::kDeleted);
  r = Call(Operation::kRetrieve, "cse-in/fc", "CAdmin");
  EXPECT_EQ(fc(r).at("cni").as_int64(), 1);
  ASSERT_EQ(Call(Operation::kUpdate, "cse-in/fc", "CAdmin", 0, R"({"cod:tempe":{"mni":null}})").rsc,
            Rsc::kUpdated);
  EXPECT_EQ(Call(Operation::kRetrieve, "cse-in/fc/la", "CAdmin").rsc, Rsc::kNotFound);
  EXPECT_FALSE(fc(Call(Operation::kRetrieve, "cse-in/fc", "CAdmin")).as_object().contains("cni"));
}

}  // namespace
}  // namespace trustcse::dispatcher

namespace trustcse::dispatcher {
namespace {

TEST_F(DispatcherTest, ObserversSeeEveryRequestAndEveryDecision) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in", "Cone", 2,
                 R"({"m2m:ae":{"rn":"one","api":"Nx","rr":true,"srv":["3"]}})").rsc,
            Rsc::kCreated);
  ASSERT_EQ(Call(Operation::kCreate, "cse-in", "Ctwo", 2,
                 R"({"m2m:ae":{"rn":"two","api":"Nx","rr":true,"srv":["3"]}})").rsc,
            Rsc::kCreated);
  EXPECT_EQ(Call(Operation::kRetrieve, "cse-in/one", "Ctwo").rsc, Rsc::kOriginatorHasNoPrivilege);
  EXPECT_EQ(Call(Operation::kRetrieve, "cse-in/one", "Cnobody").rsc,
            Rsc::kOriginatorNotAuthenticated);
  events_->Stop();  // drains
  std::vector<events::Event> started, completed, denied;
  for (const auto& e : event_log_->seen) {
    if (e.kind == events::Kind::kRequestStarted) started.push_back(e);
    if (e.kind == events::Kind::kRequestCompleted) completed.push_back(e);
    if (e.kind == events::Kind::kAccessDenied) denied.push_back(e);
  }
  ASSERT_EQ(started.size(), 4u);
  ASSERT_EQ(completed.size(), 4u);
  EXPECT_EQ(completed[0].status, 2001);
  EXPECT_EQ(completed[0].operation, "create");
  ASSERT_NE(completed[0].content, nullptr);  // this sink asked for contents
  EXPECT_NE(completed[0].content->find("m2m:ae"), std::string::npos);
  EXPECT_EQ(completed[2].status, 4103);
  EXPECT_EQ(completed[2].originator, "Ctwo");
  EXPECT_EQ(completed[2].target, "cse-in/one");
  EXPECT_GT(completed[2].latency.count(), 0);
  EXPECT_EQ(completed[3].status, 4106);
  // Each denial once, with the step that decided and its reason.
  ASSERT_EQ(denied.size(), 2u);
  EXPECT_EQ(denied[0].source, "authz.acp");
  EXPECT_EQ(denied[0].originator, "Ctwo");
  EXPECT_FALSE(denied[0].reason.empty());
  EXPECT_EQ(denied[1].source, "authn.originator");
  EXPECT_EQ(denied[1].status, 4106);
}

}  // namespace
}  // namespace trustcse::dispatcher
