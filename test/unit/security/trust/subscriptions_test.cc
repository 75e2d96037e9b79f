// Tests of device subscriptions (OP-1, OP-2): the lifecycle (each transition it has and does
// not have, idempotence, history), the critical-class override, one subscription per machine,
// what survives a restart — and the enforcement: the trust gate (state, binding, source,
// operation, type, rate; quarantine's obligations) and the per-access scope step (paths).
#include "security/trust/subscriptions.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "security/trust/subscription_scope.h"
#include "security/trust/trust_fixture.h"
#include "security/trust/trust_gate.h"

namespace trustcse::security::trust {
namespace {

namespace bj = boost::json;

class SubscriptionsTest : public testing::Test {
 protected:
  SubscriptionsTest() : store_(storage::OpenMemoryStore()) {
    trust_ = std::make_shared<TrustRegistry>(*store_);
    AddProviderAndApp(*trust_, UseCaseClass::kNBN);  // RSP000001-1
    Application critical;
    critical.provider = "SP000001";
    critical.name = "alarms";
    critical.use_case = UseCaseClass::kCQN;
    critical.practice_statement = "cps";
    EXPECT_TRUE(trust_->AddApp(critical).has_value());  // RSP000001-2
    for (auto [id, app] : {std::pair{"M1", "RSP000001-1"}, {"M2", "RSP000001-2"}}) {
      bj::object f{{"id", id}, {"app", app}, {"entities", bj::array{std::string("C") + id}}};
      if (std::string_view(app) == "RSP000001-2") {
        for (const char* k : {"serial", "model", "purpose", "owner", "location", "certification"}) {
          f[k] = "x";
        }
      }
      EXPECT_TRUE(trust_->AddMachine(f, "CAdmin").has_value());
    }
    subs_ = std::make_shared<SubscriptionRegistry>(*store_, trust_);
  }
  Subscription Add(std::string machine, std::string profile_json, std::string state = "active") {
    auto s = subs_->Add({{"machine", machine},
                         {"id", "S-" + machine},
                         {"state", state},
                         {"profile", bj::parse(profile_json)}},
                        "cli:ops");
    EXPECT_TRUE(s.has_value()) << s.error().message();
    return s ? *s : Subscription{};
  }
  Decision Gate(std::string originator, Operation op, int ty = 0, std::string binding = "https",
                const IpAddress* source = nullptr) {
    req_ = RequestPrimitive{};
    req_.op = op;
    req_.ty = ty;
    req_.binding = std::move(binding);
    SecurityContext ctx;
    ctx.request = &req_;
    ctx.originator = originator_ = std::move(originator);
    ctx.time = Now();
    ctx.source = source;
    return TrustGate(trust_, nullptr, TrustGateOptions{}, nullptr, subs_).Check(ctx);
  }
  Decision Scope(std::string originator, std::string path) {
    resources::Resource subject;
    subject.path = std::move(path);
    req_ = RequestPrimitive{};
    SecurityContext ctx;
    ctx.request = &req_;
    ctx.originator = originator_ = std::move(originator);
    ctx.subject = &subject;
    return SubscriptionScope(trust_, subs_).Check(ctx);
  }

  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<TrustRegistry> trust_;
  std::shared_ptr<SubscriptionRegistry> subs_;
  RequestPrimitive req_;
  std::string originator_;
};

TEST(SubscriptionLifecycle, HasExactlyItsTransitions) {
  using R = SubscriptionRegistry;
  EXPECT_TRUE(R::Allowed("provisioned", "active"));
  EXPECT_TRUE(R::Allowed("provisioned", "terminated"));
  EXPECT_FALSE(R::Allowed("provisioned", "suspended"));
  EXPECT_TRUE(R::Allowed("active", "suspended"));
  EXPECT_TRUE(R::Allowed("suspended", "active"));
  EXPECT_TRUE(R::Allowed("active", "quarantined"));
  EXPECT_TRUE(R::Allowed("quarantined", "suspended"));
  EXPECT_TRUE(R::Allowed("suspended", "terminated"));
  EXPECT_FALSE(R::Allowed("active", "provisioned"));
  EXPECT_FALSE(R::Allowed("terminated", "active"));
  EXPECT_TRUE(R::Allowed("terminated", "terminated"));
  EXPECT_FALSE(R::Allowed("paused", "paused"));
}

TEST_F(SubscriptionsTest, TransitionsAreRecordedIdempotentAndSurviveARestart) {
  Add("M1", "{}", "provisioned");
  auto bad = subs_->Transition("S-M1", "suspended", "", false, "cli:ops");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "subscription S-M1 is provisioned: it cannot be suspended");
  ASSERT_TRUE(subs_->Transition("S-M1", "active", "go live", false, "cli:ops").has_value());
  auto again = subs_->Transition("S-M1", "active", "twice", false, "cli:ops");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->history.size(), 2u);  // nothing added by the repeat
  ASSERT_TRUE(subs_->Transition("S-M1", "suspended", "unpaid", false, "cli:ops").has_value());
  SubscriptionRegistry fresh(*store_, trust_);
  ASSERT_TRUE(fresh.Load().ok());
  auto s = fresh.Of("M1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->sub.state, "suspended");
  ASSERT_EQ(s->sub.history.size(), 3u);
  EXPECT_EQ(s->sub.history[2].from, "active");
  EXPECT_EQ(s->sub.history[2].reason, "unpaid");
  EXPECT_EQ(s->sub.history[2].by, "cli:ops");
}

TEST_F(SubscriptionsTest, OneLiveSubscriptionPerMachine) {
  Add("M1", "{}");
  auto second = subs_->Add({{"machine", "M1"}}, "cli:ops");
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), Rsc::kConflict);
  ASSERT_TRUE(subs_->Transition("S-M1", "terminated", "", false, "cli:ops").has_value());
  auto next = subs_->Add({{"machine", "M1"}, {"id", "S-next"}}, "cli:ops");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(subs_->Of("M1")->sub.id, "S-next");
  EXPECT_EQ(subs_->Add({{"machine", "M9"}}, "cli:ops").error().code(), Rsc::kNotFound);
}

TEST_F(SubscriptionsTest, ACriticalClassNeedsAnOverrideToBeSuspended) {
  Add("M2", "{}");
  auto refused = subs_->Transition("S-M2", "suspended", "maintenance", false, "cli:ops");
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("critical class (CQN)"), std::string::npos);
  EXPECT_FALSE(subs_->Transition("S-M2", "quarantined", "", true, "cli:ops").has_value());
  auto done = subs_->Transition("S-M2", "suspended", "fraud", true, "cli:soc");
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->history.back().reason, "fraud [override of critical class CQN]");
  // Resuming or terminating needs no override.
  EXPECT_TRUE(subs_->Transition("S-M2", "active", "", false, "cli:ops").has_value());
}

TEST_F(SubscriptionsTest, TheGateHoldsRequestsToTheProfileAndTheState) {
  Add("M1", R"({"operations":["retrieve","create"],"types":[3,4],"bindings":["https"],
                "sources":["10.1.0.0/16"],"rate":1000})");
  auto inside = IpAddress::Parse("10.1.0.9");
  auto outside = IpAddress::Parse("192.0.2.1");
  EXPECT_EQ(Gate("CM1", Operation::kRetrieve, 0, "https", &*inside).verdict, Verdict::kAllow);
  EXPECT_EQ(Gate("CM1", Operation::kCreate, 4, "https", &*inside).verdict, Verdict::kAllow);
  auto expect = [](const Decision& d, Rsc code, std::string_view text) {
    EXPECT_EQ(d.verdict, Verdict::kDeny);
    EXPECT_EQ(d.status.code(), code) << d.status.message();
    EXPECT_NE(d.status.message().find(text), std::string::npos) << d.status.message();
  };
  expect(Gate("CM1", Operation::kDelete, 0, "https", &*inside), Rsc::kOriginatorHasNoPrivilege,
         "subscription S-M1 does not allow delete");
  expect(Gate("CM1", Operation::kCreate, 23, "https", &*inside), Rsc::kOriginatorHasNoPrivilege,
         "creating resources of type 23");
  expect(Gate("CM1", Operation::kRetrieve, 0, "http", &*inside), Rsc::kOriginatorHasNoPrivilege,
         "the http binding");
  expect(Gate("CM1", Operation::kRetrieve, 0, "https", &*outside), Rsc::kOriginatorHasNoPrivilege,
         "requests from");
  // Another machine without a subscription: its class alone.
  ASSERT_TRUE(
      trust_
          ->AddMachine({{"id", "M3"}, {"app", "RSP000001-1"}, {"entities", bj::array{"CM3"}}},
                       "CAdmin")
          .has_value());
  EXPECT_EQ(Gate("CM3", Operation::kDelete).verdict, Verdict::kAllow);

  ASSERT_TRUE(subs_->Transition("S-M1", "quarantined", "odd", false, "cli:soc").has_value());
  Decision q = Gate("CM1", Operation::kRetrieve, 0, "https", &*inside);
  EXPECT_EQ(q.verdict, Verdict::kAllow);
  EXPECT_TRUE(q.obligations.read_only);
  EXPECT_TRUE(q.obligations.audit);
  ASSERT_TRUE(subs_->Transition("S-M1", "suspended", "", false, "cli:ops").has_value());
  expect(Gate("CM1", Operation::kRetrieve, 0, "https", &*inside),
         Rsc::kServiceSubscriptionNotEstablished, "subscription S-M1 is suspended");
}

TEST_F(SubscriptionsTest, TheRateCeilingAnswers5207WithWhenToRetry) {
  Add("M1", R"({"rate":1,"burst":2})");
  EXPECT_EQ(Gate("CM1", Operation::kRetrieve).verdict, Verdict::kAllow);
  EXPECT_EQ(Gate("CM1", Operation::kRetrieve).verdict, Verdict::kAllow);
  Decision d = Gate("CM1", Operation::kRetrieve);
  EXPECT_EQ(d.status.code(), Rsc::kNotAcceptable);
  EXPECT_NE(d.status.message().find("allows 1 requests per second: retry in"), std::string::npos)
      << d.status.message();
  // A state change keeps the bucket: suspending and resuming does not refill it.
  ASSERT_TRUE(subs_->Transition("S-M1", "suspended", "", false, "cli:ops").has_value());
  ASSERT_TRUE(subs_->Transition("S-M1", "active", "", false, "cli:ops").has_value());
  EXPECT_EQ(Gate("CM1", Operation::kRetrieve).status.code(), Rsc::kNotAcceptable);
}

TEST_F(SubscriptionsTest, TheScopeStepKeepsAccessesInsideThePaths) {
  Add("M1", R"({"paths":["cse-in/M1"]})");
  EXPECT_EQ(Scope("CM1", "cse-in/M1/data/cin1").verdict, Verdict::kDefer);
  Decision d = Scope("CM1", "cse-in/M2");
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.status.code(), Rsc::kOriginatorHasNoPrivilege);
  EXPECT_EQ(d.status.message(), "subscription S-M1 does not reach cse-in/M2");
  EXPECT_EQ(Scope("CM2", "cse-in/M1").verdict, Verdict::kDefer);     // no subscription
  EXPECT_EQ(Scope("Cstranger", "cse-in").verdict, Verdict::kDefer);  // no machine
}

}  // namespace
}  // namespace trustcse::security::trust
