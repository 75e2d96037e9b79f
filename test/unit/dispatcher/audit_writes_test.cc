// Registrations and ACP changes in the audit log (dispatcher/audit_writes.cc): one entry per
// audited write, appended in the write's own transaction — present exactly when the write
// succeeded — and the same event published on the stream once the write is durable.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "dispatcher/dispatcher.h"
#include "primitive/json_util.h"
#include "security/audit/audit_log.h"
#include "server/security_chains.h"
#include "events/event_log.h"

namespace trustcse::dispatcher {
namespace {

class NullSender : public notification::Sender {
 public:
  void Send(const notification::Notification&, std::function<void(Status)> done) override {
    done(Status::Ok());
  }
  void Stop() override {}
};

using events::EventLog;

class AuditWritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::OpenMemoryStore();
    notification::NotifierOptions no;
    no.self = self_;
    notifier_ = std::make_unique<notification::Notifier>(no, *store_,
                                                         std::make_unique<NullSender>());
    DispatcherOptions o;
    o.self = self_;
    events_->Subscribe(log_, {events::Bit(events::Kind::kRegistration) |
                                  events::Bit(events::Kind::kPolicyChange),
                              1000, false, "test"});
    o.events = events_;
    o.audit_log = std::make_shared<security::audit::AuditLogWriter>();
    dispatcher_ = std::make_unique<Dispatcher>(o, *store_, *notifier_);
    dispatcher_->InstallSecurityChains(
        server::AssembleChains({}, dispatcher_->authorization_services()));
    ASSERT_TRUE(dispatcher_->Bootstrap().ok());
    ASSERT_TRUE(notifier_->Start().ok());
  }
  void TearDown() override {
    notifier_->Stop();
    events_->Stop();
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
    req.binding = "https";
    req.peer_address = "192.0.2.7";
    if (!pc.empty()) req.pc = *json::Parse(pc);
    std::promise<ResponsePrimitive> p;
    auto f = p.get_future();
    dispatcher_->Handle(std::move(req), [&p](ResponsePrimitive r) { p.set_value(std::move(r)); });
    return f.get();
  }

  // The log's entries, parsed.
  std::vector<boost::json::object> Entries() {
    auto n = security::audit::CommittedSize(*store_);
    EXPECT_TRUE(n.has_value());
    security::audit::StoredSubtreeHashes stored(*store_, n.value_or(0));
    std::vector<boost::json::object> out;
    for (uint64_t i = 0; i < stored.size(); ++i) {
      out.push_back(boost::json::parse(*stored.Entry(i)).as_object());
    }
    return out;
  }

  static std::string S(const boost::json::object& o, const char* k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }

  CseIdentity self_{"/id-in", "cse-in", "//trustcse.local"};
  std::shared_ptr<events::EventStream> events_ = std::make_shared<events::EventStream>();
  std::shared_ptr<EventLog> log_ = std::make_shared<EventLog>();
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<notification::Notifier> notifier_;
  std::unique_ptr<Dispatcher> dispatcher_;
  int rqi_ = 0;
};

constexpr const char* kAe = R"({"m2m:ae":{"rn":"meter","api":"Nx","rr":true,"srv":["3"]}})";

TEST_F(AuditWritesTest, ARegistrationIsOneEntryNamingTheAeIdItWasGiven) {
  auto r = Call(Operation::kCreate, "cse-in", "C", 2, kAe);
  ASSERT_EQ(r.rsc, Rsc::kCreated) << r.pc;
  const std::string aei = r.content_location;
  ASSERT_FALSE(aei.empty());
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  const auto& e = entries[0];
  EXPECT_EQ(S(e, "kind"), "registration");
  EXPECT_EQ(S(e, "operation"), "register");
  EXPECT_EQ(S(e, "actor"), aei);  // "C" asked for an ID; the entry names the one it got
  EXPECT_EQ(S(e, "subject"), "cse-in/meter");
  EXPECT_EQ(S(e, "binding"), "https");
  EXPECT_EQ(S(e, "peer"), "192.0.2.7");
  EXPECT_EQ(S(e, "rqi"), "r1");
  EXPECT_EQ(e.at("status").as_int64(), 2001);
  EXPECT_FALSE(e.contains("seq"));  // written with the data, not taken from the stream
  // A container below it is data, not a security event.
  ASSERT_EQ(Call(Operation::kCreate, "cse-in/meter", aei, 3, R"({"m2m:cnt":{"rn":"c"}})").rsc,
            Rsc::kCreated);
  EXPECT_EQ(Entries().size(), 1u);
}

TEST_F(AuditWritesTest, ARefusedRegistrationLeavesNoEntry) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in", "Cmeter", 2, kAe).rsc, Rsc::kCreated);
  // The same AE-ID again: refused inside the write (4117), so its entry goes with it.
  auto again = Call(Operation::kCreate, "cse-in", "Cmeter", 2,
                    R"({"m2m:ae":{"rn":"other","api":"Nx","rr":true,"srv":["3"]}})");
  EXPECT_EQ(again.rsc, Rsc::kOriginatorHasAlreadyRegistered) << again.pc;
  // A bad representation: refused before any write.
  EXPECT_EQ(Call(Operation::kCreate, "cse-in", "Cbad", 2, R"({"m2m:ae":{"rn":"bad"}})").rsc,
            Rsc::kBadRequest);
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(S(entries[0], "actor"), "Cmeter");
}

TEST_F(AuditWritesTest, PolicyChangesAndADeregistrationWithItsPoliciesAreLogged) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in", "Cmeter", 2, kAe).rsc, Rsc::kCreated);
  auto acp = Call(Operation::kCreate, "cse-in/meter", "Cmeter", 1, R"({"m2m:acp":{"rn":"acp",
      "pv":{"acr":[{"acor":["Cmeter"],"acop":63}]},
      "pvs":{"acr":[{"acor":["Cmeter"],"acop":63}]}}})");
  ASSERT_EQ(acp.rsc, Rsc::kCreated) << acp.pc;
  auto upd = Call(Operation::kUpdate, "cse-in/meter/acp", "Cmeter", 0,
                  R"({"m2m:acp":{"pv":{"acr":[{"acor":["Cmeter","Cother"],"acop":63}]}}})");
  ASSERT_EQ(upd.rsc, Rsc::kUpdated) << upd.pc;
  auto del = Call(Operation::kDelete, "cse-in/meter", "Cmeter");
  ASSERT_EQ(del.rsc, Rsc::kDeleted) << del.pc;

  auto entries = Entries();
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(S(entries[1], "kind"), "acp.change");
  EXPECT_EQ(S(entries[1], "operation"), "create");
  EXPECT_EQ(S(entries[1], "subject"), "cse-in/meter/acp");
  EXPECT_EQ(S(entries[2], "operation"), "update");
  EXPECT_EQ(S(entries[2], "reason"), "attributes pv");  // names, never the values
  EXPECT_EQ(entries[2].at("status").as_int64(), 2004);
  // The deregistration, then the policy that went with it, in one write.
  EXPECT_EQ(S(entries[3], "kind"), "registration");
  EXPECT_EQ(S(entries[3], "operation"), "deregister");
  EXPECT_EQ(S(entries[3], "actor"), "Cmeter");
  EXPECT_EQ(S(entries[3], "reason"), "");
  EXPECT_EQ(S(entries[4], "kind"), "acp.change");
  EXPECT_EQ(S(entries[4], "operation"), "delete");
  EXPECT_EQ(S(entries[4], "reason"), "with cse-in/meter");
  EXPECT_EQ(S(entries[4], "rqi"), S(entries[3], "rqi"));

  // The stream saw the same five, once each, after their writes.
  events_->Stop();
  auto seen = log_->Seen();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].kind, events::Kind::kRegistration);
  EXPECT_EQ(seen[1].kind, events::Kind::kPolicyChange);
  EXPECT_EQ(seen[3].operation, "deregister");
}

TEST_F(AuditWritesTest, AnExpiredRegistrationIsLoggedAsTheCseRemovingIt) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in", "Cmeter", 2, kAe).rsc, Rsc::kCreated);
  // Its expiration moved into the past in the store, as time would: the reaper deletes it on
  // the CSE's own behalf.
  ASSERT_TRUE(store_
                  ->SubmitAndWait([](storage::WriteTxn& t) -> Status {
                    auto rec = t.GetByPath("cse-in/meter");
                    if (!rec || !*rec) return Status::NotFound("no AE");
                    (*rec)->et = "20000101T000000,000000";
                    return t.Update(**rec);
                  })
                  .ok());
  EXPECT_EQ(dispatcher_->ReapExpired(), 1u);
  for (int i = 0; i < 200 && Entries().size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(S(entries[1], "operation"), "deregister");
  EXPECT_EQ(S(entries[1], "actor"), "/id-in");
  EXPECT_EQ(S(entries[1], "reason"), "expired");
  EXPECT_FALSE(entries[1].contains("rqi"));
}

}  // namespace
}  // namespace trustcse::dispatcher
