// Tests of the security chain semantics (security/chain.h) with scripted steps, and of the
// originator authentication gate (security/authn/originator_check.h).
#include "security/chain.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "events/event_stream.h"
#include "security/authn/originator_check.h"
#include "security/authz/acp_evaluator.h"

namespace trustcse::security {
namespace {

// A step that answers a fixed decision and records that it ran.
class ScriptedStep final : public SecurityStep {
 public:
  ScriptedStep(std::string name, bool deciding, Decision answer, std::vector<std::string>* log)
      : name_(std::move(name)), deciding_(deciding), answer_(std::move(answer)), log_(log) {}
  std::string_view name() const override { return name_; }
  bool deciding() const override { return deciding_; }
  Decision Check(const SecurityContext&) const override {
    log_->push_back(name_);
    return answer_;
  }

 private:
  std::string name_;
  bool deciding_;
  Decision answer_;
  std::vector<std::string>* log_;
};

class SecurityChainTest : public testing::Test {
 protected:
  void Gate(std::string name, Decision d) {
    chain_.Append(std::make_unique<ScriptedStep>(std::move(name), false, std::move(d), &log_));
  }
  void Decider(std::string name, Decision d) {
    chain_.Append(std::make_unique<ScriptedStep>(std::move(name), true, std::move(d), &log_));
  }
  Status Evaluate() {
    SecurityContext ctx;
    ctx.originator = "Cae1";
    ctx.access = kRetrieve;
    return chain_.Evaluate(ctx);
  }

  SecurityChain chain_;
  std::vector<std::string> log_;
};

using Names = std::vector<std::string>;

TEST_F(SecurityChainTest, EmptyChainDenies) {
  Status s = Evaluate();
  EXPECT_EQ(s.code(), Rsc::kOriginatorHasNoPrivilege);
  EXPECT_FALSE(s.message().empty());
}

TEST_F(SecurityChainTest, GateAllowPassesOnToTheNextStep) {
  Gate("authn", Decision::Allow());
  Decider("authz", Decision::Allow());
  EXPECT_TRUE(Evaluate().ok());
  EXPECT_EQ(log_, (Names{"authn", "authz"}));
}

TEST_F(SecurityChainTest, GateAllowAloneDoesNotGrantAccess) {
  Gate("authn", Decision::Allow());
  Gate("admission", Decision::Allow());
  EXPECT_EQ(Evaluate().code(), Rsc::kOriginatorHasNoPrivilege);
  EXPECT_EQ(log_, (Names{"authn", "admission"}));
}

TEST_F(SecurityChainTest, DecidingAllowEndsTheChain) {
  Decider("authz", Decision::Allow());
  Decider("later", Decision::Deny(Status(Rsc::kOriginatorHasNoPrivilege, "no"), "later"));
  Gate("gate", Decision::Deny(Status::BadRequest("no"), "gate"));
  EXPECT_TRUE(Evaluate().ok());
  EXPECT_EQ(log_, (Names{"authz"}));
}

TEST_F(SecurityChainTest, DenyStopsWithItsOwnStatus) {
  Gate("authn", Decision::Allow());
  Gate("trust", Decision::Deny(Status(Rsc::kOriginatorNotAuthenticated, "who?"), "blocked"));
  Decider("authz", Decision::Allow());
  Status s = Evaluate();
  EXPECT_EQ(s.code(), Rsc::kOriginatorNotAuthenticated);
  EXPECT_EQ(s.message(), "who?");
  EXPECT_EQ(log_, (Names{"authn", "trust"}));
}

TEST_F(SecurityChainTest, DecidingDenyStopsWithItsOwnStatus) {
  Decider("authz", Decision::Deny(Status(Rsc::kSecurityAssociationRequired, "tls"), "r"));
  Decider("fallback", Decision::Allow());
  EXPECT_EQ(Evaluate().code(), Rsc::kSecurityAssociationRequired);
  EXPECT_EQ(log_, (Names{"authz"}));
}

TEST_F(SecurityChainTest, AllDeferDenies) {
  Gate("authn", Decision::Defer());
  Decider("authz", Decision::Defer());
  Decider("das", Decision::Defer());
  EXPECT_EQ(Evaluate().code(), Rsc::kOriginatorHasNoPrivilege);
  EXPECT_EQ(log_, (Names{"authn", "authz", "das"}));
}

TEST_F(SecurityChainTest, DeferPassesOnToALaterDecidingAllow) {
  Decider("acp", Decision::Defer());
  Decider("das", Decision::Allow());
  EXPECT_TRUE(Evaluate().ok());
  EXPECT_EQ(log_, (Names{"acp", "das"}));
}

TEST_F(SecurityChainTest, EvaluatesTheSameWhenDenialsAreNotLogged) {
  Gate("authn", Decision::Allow());
  Gate("trust", Decision::Deny(Status(Rsc::kOriginatorNotAuthenticated, "who?"), "blocked"));
  SecurityContext ctx;
  ctx.originator = "Cae1";
  ctx.access = kDiscover;
  ctx.listing = true;
  EXPECT_EQ(chain_.Evaluate(ctx).code(), Rsc::kOriginatorNotAuthenticated);
  SecurityChain defer_only;
  defer_only.Append(std::make_unique<ScriptedStep>("acp", true, Decision::Defer(), &log_));
  EXPECT_EQ(defer_only.Evaluate(ctx).code(), Rsc::kOriginatorHasNoPrivilege);
  EXPECT_TRUE(SecurityChain().Evaluate(ctx).code() == Rsc::kOriginatorHasNoPrivilege);
}

// Collects what the stream delivers; Drain() stops the stream, so every event published before
// has been consumed when it returns.
class RecordingSink final : public events::Sink {
 public:
  void Consume(const events::Event& e) override {
    events.push_back({e.source, e.originator, e.operation, e.reason, static_cast<Rsc>(e.status)});
  }
  struct Copy {
    std::string step, originator, operation, reason;
    Rsc status;
  };
  std::vector<Copy> events;
};

struct Recorder {
  std::shared_ptr<events::EventStream> stream = std::make_shared<events::EventStream>();
  std::shared_ptr<RecordingSink> sink = std::make_shared<RecordingSink>();
  Recorder() { stream->Subscribe(sink, {events::kSecurityKinds, 100, false, "test"}); }
  const std::vector<RecordingSink::Copy>& Drain() {
    stream->Stop();
    return sink->events;
  }
};

TEST_F(SecurityChainTest, EveryDenialIsOneSecurityEvent) {
  Recorder rec;
  chain_.SetEventStream(rec.stream);
  Gate("authn", Decision::Deny(Status(Rsc::kOriginatorNotAuthenticated, "no"), "unknown AE"));
  EXPECT_EQ(Evaluate().code(), Rsc::kOriginatorNotAuthenticated);
  const auto& events = rec.Drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].step, "authn");
  EXPECT_EQ(events[0].originator, "Cae1");
  EXPECT_EQ(events[0].operation, "retrieve");
  EXPECT_EQ(events[0].reason, "unknown AE");
  EXPECT_EQ(events[0].status, Rsc::kOriginatorNotAuthenticated);
}

TEST_F(SecurityChainTest, DefaultDenyIsReportedAndQuietEvaluationsAreNot) {
  Recorder rec;
  chain_.SetEventStream(rec.stream);
  Gate("authn", Decision::Allow());
  EXPECT_EQ(Evaluate().code(), Rsc::kOriginatorHasNoPrivilege);
  SecurityContext ctx;
  ctx.originator = "Cae1";
  ctx.access = kDiscover;
  ctx.listing = true;
  EXPECT_FALSE(chain_.Evaluate(ctx).ok());
  const auto& events = rec.Drain();
  ASSERT_EQ(events.size(), 1u);  // listing filters are not security events
  EXPECT_EQ(events[0].step, "default");
}

TEST(AccessOpName, NamesEachOperation) {
  EXPECT_STREQ(AccessOpName(kCreate), "create");
  EXPECT_STREQ(AccessOpName(kRetrieve), "retrieve");
  EXPECT_STREQ(AccessOpName(kUpdate), "update");
  EXPECT_STREQ(AccessOpName(kDelete), "delete");
  EXPECT_STREQ(AccessOpName(kNotify), "notify");
  EXPECT_STREQ(AccessOpName(kDiscover), "discover");
  EXPECT_STREQ(AccessOpName(3), "?");
}

// ---- OriginatorCheck ---------------------------------------------------------------------------

struct OriginatorCase {
  std::string name;
  std::string originator;
  bool registered;
  bool registration;
  Verdict verdict;
  Rsc status;  // for kDeny
};

void PrintTo(const OriginatorCase& c, std::ostream* os) { *os << c.name; }

class OriginatorCheckTable : public testing::TestWithParam<OriginatorCase> {};

TEST_P(OriginatorCheckTable, Decides) {
  const auto& c = GetParam();
  OriginatorCheck check("CAdmin");
  SecurityContext ctx;
  ctx.originator = c.originator;
  ctx.access = kRetrieve;
  ctx.originator_registered = c.registered;
  ctx.registration = c.registration;
  Decision d = check.Check(ctx);
  EXPECT_EQ(d.verdict, c.verdict);
  if (c.verdict == Verdict::kDeny) {
    EXPECT_EQ(d.status.code(), c.status);
    EXPECT_FALSE(d.reason.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, OriginatorCheckTable,
    testing::Values(
        OriginatorCase{"Admin", "CAdmin", false, false, Verdict::kAllow, Rsc::kOk},
        OriginatorCase{"Registration", "C", false, true, Verdict::kAllow, Rsc::kOk},
        OriginatorCase{"RegistrationWithStem", "Cnew", false, true, Verdict::kAllow, Rsc::kOk},
        OriginatorCase{"RegistrationOfS", "Snew", false, true, Verdict::kAllow, Rsc::kOk},
        OriginatorCase{"CseId", "/id-mn", false, false, Verdict::kDeny,
                       Rsc::kSecurityAssociationRequired},
        OriginatorCase{"CseIdEvenIfRegistered", "/id-mn", true, false, Verdict::kDeny,
                       Rsc::kSecurityAssociationRequired},
        OriginatorCase{"SpRelativeAeId", "/id-mn/Cx", false, false, Verdict::kDeny,
                       Rsc::kSecurityAssociationRequired},
        OriginatorCase{"UnregisteredC", "Cx", false, false, Verdict::kDeny,
                       Rsc::kOriginatorNotAuthenticated},
        OriginatorCase{"UnregisteredS", "Sx", false, false, Verdict::kDeny,
                       Rsc::kOriginatorNotAuthenticated},
        OriginatorCase{"RegisteredC", "Cx", true, false, Verdict::kAllow, Rsc::kOk},
        OriginatorCase{"RegisteredS", "Sx", true, false, Verdict::kAllow, Rsc::kOk},
        OriginatorCase{"OtherString", "someone", false, false, Verdict::kAllow, Rsc::kOk},
        OriginatorCase{"LowercaseC", "cx", false, false, Verdict::kAllow, Rsc::kOk}));

TEST(OriginatorCheck, IsAGateStep) {
  OriginatorCheck check("CAdmin");
  EXPECT_FALSE(check.deciding());
  EXPECT_EQ(check.name(), "authn.originator");
}

// The gate and the ACP step together: authentication failures win over authorization.
class NoAcps : public AcpSource {
 public:
  std::shared_ptr<const CompiledAcp> FindAcp(std::string_view) override { return nullptr; }
  std::shared_ptr<const CompiledAcp> Compiled(const resources::Resource&) override {
    return nullptr;
  }
};

TEST(SecurityChainWithRealSteps, AuthenticationFailureComesBeforeAuthorization) {
  NoAcps acps;
  SecurityChain chain;
  chain.Append(std::make_unique<OriginatorCheck>("CAdmin"));
  chain.Append(std::make_unique<AcpAuthorization>("CAdmin", acps));
  resources::Resource subject;
  subject.attrs["ty"] = resources::ty::kContainer;
  subject.originator = "Cx";
  SecurityContext ctx;
  ctx.subject = &subject;
  ctx.access = kRetrieve;
  ctx.originator = "Cx";
  ctx.originator_registered = false;
  EXPECT_EQ(chain.Evaluate(ctx).code(), Rsc::kOriginatorNotAuthenticated);
  ctx.originator_registered = true;
  EXPECT_TRUE(chain.Evaluate(ctx).ok());
  ctx.originator = "Cy";
  EXPECT_EQ(chain.Evaluate(ctx).code(), Rsc::kOriginatorHasNoPrivilege);
}

}  // namespace
}  // namespace trustcse::security
