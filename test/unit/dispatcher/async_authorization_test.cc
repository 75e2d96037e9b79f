// The dispatcher with security steps that wait (security/chain.h: Decision::Later, Resume) and
// steps that impose obligations, on the in-memory store. The chains are the server's gates
// (server::AssembleChains) plus a scripted gate, and an authorization chain whose only deciding
// step is scripted (mocks/scripted_step.h): what the client is told depends on what the step
// answers, when it answers, and whether it answers at all.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include "dispatcher/dispatcher.h"
#include "mocks/scripted_step.h"
#include "primitive/json_util.h"
#include "server/security_chains.h"

namespace trustcse::dispatcher {
namespace {

using namespace std::chrono_literals;
using mocks::ScriptedStep;
using security::Decision;
using When = ScriptedStep::When;

class NullSender : public notification::Sender {
 public:
  void Send(const notification::Notification&, std::function<void(Status)> done) override {
    done(Status::Ok());
  }
  void Stop() override {}
};

class AsyncAuthorization : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::OpenMemoryStore();
    notification::NotifierOptions no;
    no.self = self_;
    notifier_ = std::make_unique<notification::Notifier>(no, *store_, std::make_unique<NullSender>());
    DispatcherOptions o;
    o.self = self_;
    dispatcher_ = std::make_unique<Dispatcher>(o, *store_, *notifier_);
    // The server's gates (channel binding, originator check), then a scripted gate; the
    // authorization chain is the scripted deciding step alone.
    SecurityChains assembled = server::AssembleChains({}, dispatcher_->authorization_services());
    SecurityChains chains;
    chains.gates = std::move(assembled.gates);
    chains.gates.Append(gate_);
    chains.authorization.Append(authz_);
    dispatcher_->InstallSecurityChains(std::move(chains));
    ASSERT_TRUE(dispatcher_->Bootstrap().ok());
    ASSERT_TRUE(notifier_->Start().ok());
    // A registered AE, while both scripted steps answer Allow at once.
    auto r = Call(Operation::kCreate, "cse-in", "Cone", 2,
                  R"({"m2m:ae":{"rn":"one","api":"Nx","rr":true,"srv":["3"]}})");
    ASSERT_EQ(r.rsc, Rsc::kCreated) << r.pc;
  }
  void TearDown() override {
    authz_->DropHeld();
    dispatcher_->Stop();
    notifier_->Stop();
    store_->Close();
  }

  std::future<ResponsePrimitive> Start(Operation op, std::string to, std::string fr, int ty = 0,
                                       std::string pc = "") {
    RequestPrimitive req;
    req.op = op;
    req.to = std::move(to);
    req.fr = std::move(fr);
    req.rqi = "r" + std::to_string(++rqi_);
    req.rvi = "3";
    req.ty = ty;
    if (!pc.empty()) req.pc = *json::Parse(pc);
    auto p = std::make_shared<std::promise<ResponsePrimitive>>();
    auto f = p->get_future();
    dispatcher_->Handle(std::move(req), [p](ResponsePrimitive r) { p->set_value(std::move(r)); });
    return f;
  }
  ResponsePrimitive Call(Operation op, std::string to, std::string fr, int ty = 0,
                         std::string pc = "") {
    auto f = Start(op, std::move(to), std::move(fr), ty, std::move(pc));
    if (f.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "the request did not complete";
      ResponsePrimitive none;
      none.rsc = Rsc::kInternalServerError;
      return none;
    }
    return f.get();
  }

  CseIdentity self_{"/id-in", "cse-in", "//trustcse.local"};
  std::shared_ptr<ScriptedStep> gate_ = std::make_shared<ScriptedStep>("test.gate", false);
  std::shared_ptr<ScriptedStep> authz_ = std::make_shared<ScriptedStep>("test.authz", true);
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<notification::Notifier> notifier_;
  std::unique_ptr<Dispatcher> dispatcher_;
  int rqi_ = 0;
};

TEST_F(AsyncAuthorization, AnAllowGivenLaterCompletesTheRequest) {
  authz_->Script(Decision::Allow(), When::kHeld);
  const int before = authz_->calls();
  auto f = Start(Operation::kRetrieve, "cse-in", "Cone");
  ASSERT_TRUE(authz_->WaitForHeld(1, 5s));
  // Held: nothing else can answer the request (the step's time limit is 10 s).
  EXPECT_EQ(f.wait_for(0ms), std::future_status::timeout);
  EXPECT_EQ(authz_->calls(), before + 1);
  auto seen = authz_->seen().back();
  EXPECT_EQ(seen.originator, "Cone");
  EXPECT_EQ(seen.access, security::kRetrieve);
  EXPECT_EQ(seen.subject_path, "cse-in");
  ASSERT_TRUE(authz_->ResumeNext());
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  auto r = f.get();
  EXPECT_EQ(r.rsc, Rsc::kOk) << r.pc;
  EXPECT_NE(r.pc.find("m2m:cb"), std::string::npos);
}

TEST_F(AsyncAuthorization, AnAllowFromAnotherThreadCompletesTheRequest) {
  authz_->Script(Decision::Allow(), When::kLater, 50ms);
  auto r = Call(Operation::kRetrieve, "cse-in", "Cone");
  EXPECT_EQ(r.rsc, Rsc::kOk) << r.pc;
}

TEST_F(AsyncAuthorization, ADenyGivenLaterRefusesWith4103) {
  authz_->Script(Decision::Deny(Status::NoPrivilege("access denied"), "scripted"), When::kLater,
                 50ms);
  auto r = Call(Operation::kRetrieve, "cse-in", "Cone");
  EXPECT_EQ(r.rsc, Rsc::kOriginatorHasNoPrivilege) << r.pc;
  EXPECT_EQ(r.pc.find("scripted"), std::string::npos);  // the reason is for events only
}

TEST_F(AsyncAuthorization, AStepThatNeverAnswersTimesOutWith4008) {
  authz_->Script(Decision::Allow(), When::kNever, 0ms, /*timeout=*/150ms);
  const auto start = std::chrono::steady_clock::now();
  auto r = Call(Operation::kRetrieve, "cse-in", "Cone");
  EXPECT_EQ(r.rsc, Rsc::kRequestTimeout) << r.pc;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);  // not before the time limit
}

TEST_F(AsyncAuthorization, ATimeoutAnswersTheStepsTimeoutDecision) {
  authz_->Script(Decision::Allow(), When::kNever, 0ms, /*timeout=*/100ms);
  authz_->OnTimeout(Decision::Allow());  // a step that fails open on its own time limit
  EXPECT_EQ(Call(Operation::kRetrieve, "cse-in", "Cone").rsc, Rsc::kOk);
}

TEST_F(AsyncAuthorization, AReadOnlyObligationOfAGateRefusesWritesOnly) {
  gate_->Script(Decision::Allow().With({.read_only = true}));
  auto update = Call(Operation::kUpdate, "cse-in/one", "Cone", 0,
                     R"({"m2m:ae":{"lbl":["x"]}})");
  EXPECT_EQ(update.rsc, Rsc::kOriginatorHasNoPrivilege) << update.pc;
  EXPECT_TRUE(authz_->seen().back().obligations.read_only);  // the deciding step saw it
  auto retrieve = Call(Operation::kRetrieve, "cse-in/one", "Cone");
  EXPECT_EQ(retrieve.rsc, Rsc::kOk) << retrieve.pc;
  // Without the obligation the same update passes: it was the obligation that refused it.
  gate_->Script(Decision::Allow());
  EXPECT_EQ(Call(Operation::kUpdate, "cse-in/one", "Cone", 0, R"({"m2m:ae":{"lbl":["x"]}})").rsc,
            Rsc::kUpdated);
}

TEST_F(AsyncAuthorization, AReadOnlyObligationWinsOverALaterAllow) {
  gate_->Script(Decision::Allow().With({.read_only = true}));
  authz_->Script(Decision::Allow(), When::kLater, 20ms);
  EXPECT_EQ(Call(Operation::kUpdate, "cse-in/one", "Cone", 0, R"({"m2m:ae":{"lbl":["x"]}})").rsc,
            Rsc::kOriginatorHasNoPrivilege);
}

TEST_F(AsyncAuthorization, ADelayObligationHoldsTheResponseBack) {
  gate_->Script(Decision::Allow().With({.delay = 200ms}));
  const auto start = std::chrono::steady_clock::now();
  auto r = Call(Operation::kRetrieve, "cse-in", "Cone");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.rsc, Rsc::kOk) << r.pc;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 10s);  // liveness only
}

TEST_F(AsyncAuthorization, AGateAnsweringLaterIsWaitedForBeforeAuthorization) {
  gate_->Script(Decision::Deny(Status(Rsc::kOriginatorNotAuthenticated, "no"), "scripted gate"),
                When::kLater, 30ms);
  const int authz_before = authz_->calls();
  auto r = Call(Operation::kRetrieve, "cse-in", "Cone");
  EXPECT_EQ(r.rsc, Rsc::kOriginatorNotAuthenticated) << r.pc;
  EXPECT_EQ(authz_->calls(), authz_before);  // refused at the gate: never authorized
}

}  // namespace
}  // namespace trustcse::dispatcher
