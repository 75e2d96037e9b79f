// The scripted security step (mocks/scripted_step.h) keeps the chain's asynchronous contract the
// code under test relies on: it answers its script now, later from another thread, when the test
// resumes it, or never (the chain's time limit decides), and counts what it saw.
#include "mocks/scripted_step.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

namespace trustcse::mocks {
namespace {

using namespace std::chrono_literals;
using security::ChainOutcome;
using security::Decision;
using When = ScriptedStep::When;

struct Fixture {
  std::shared_ptr<ScriptedStep> step = std::make_shared<ScriptedStep>("scripted", true);
  security::SecurityChain chain;
  Fixture() { chain.Append(step); }

  std::future<ChainOutcome> Run(uint32_t access = security::kRetrieve) {
    ctx.originator = "Cae1";
    ctx.access = access;
    auto p = std::make_shared<std::promise<ChainOutcome>>();
    auto f = p->get_future();
    chain.Run(ctx, [p](ChainOutcome out) { p->set_value(std::move(out)); });
    return f;
  }
  security::SecurityContext ctx;
};

TEST(ScriptedStep, AnswersNowAndCountsItsCalls) {
  Fixture fx;
  auto f = fx.Run();
  ASSERT_EQ(f.wait_for(0ms), std::future_status::ready);  // synchronous
  EXPECT_TRUE(f.get().status.ok());
  fx.step->Script(Decision::Deny(Status::NoPrivilege("no"), "scripted"));
  EXPECT_EQ(fx.Run(security::kUpdate).get().status.code(), Rsc::kOriginatorHasNoPrivilege);
  EXPECT_EQ(fx.step->calls(), 2);
  ASSERT_EQ(fx.step->seen().size(), 2u);
  EXPECT_EQ(fx.step->seen()[1].originator, "Cae1");
  EXPECT_EQ(fx.step->seen()[1].access, security::kUpdate);
  EXPECT_TRUE(fx.step->deciding());
  EXPECT_EQ(fx.step->name(), "scripted");
}

TEST(ScriptedStep, AnswersLaterFromAnotherThread) {
  Fixture fx;
  fx.step->Script(Decision::Deny(Status::NoPrivilege("no"), "later"), When::kLater, 30ms);
  auto f = fx.Run();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get().status.code(), Rsc::kOriginatorHasNoPrivilege);
}

TEST(ScriptedStep, WaitsForTheTestToResume) {
  Fixture fx;
  fx.step->Script(Decision::Allow(), When::kHeld);
  auto f = fx.Run();
  ASSERT_TRUE(fx.step->WaitForHeld(1, 5s));
  EXPECT_EQ(f.wait_for(0ms), std::future_status::timeout);
  ASSERT_TRUE(fx.step->ResumeNext());
  ASSERT_EQ(f.wait_for(0ms), std::future_status::ready);  // resumed on this thread
  EXPECT_TRUE(f.get().status.ok());
  EXPECT_FALSE(fx.step->ResumeNext());
}

TEST(ScriptedStep, NeverAnsweringLeavesItToTheTimeLimit) {
  Fixture fx;
  fx.step->Script(Decision::Allow(), When::kNever, 0ms, 50ms);
  EXPECT_EQ(fx.Run().get().status.code(), Rsc::kRequestTimeout);
  fx.step->OnTimeout(Decision::Deny(Status(Rsc::kTargetNotReachable, "down"), "timeout"));
  EXPECT_EQ(fx.Run().get().status.code(), Rsc::kTargetNotReachable);
}

}  // namespace
}  // namespace trustcse::mocks
