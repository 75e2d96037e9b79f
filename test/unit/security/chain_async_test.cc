// The security chain's asynchronous contract (security/chain.h): steps that answer later, their
// time limits, and obligations.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "security/chain.h"

namespace trustcse::security {
namespace {

using namespace std::chrono_literals;

// A step that answers `answer` later, from another thread, after `delay` (never, if `never`).
class LaterStep final : public SecurityStep {
 public:
  LaterStep(bool deciding, Decision answer, std::chrono::milliseconds delay,
            std::chrono::milliseconds timeout, bool never = false)
      : deciding_(deciding), answer_(std::move(answer)), delay_(delay), timeout_(timeout),
        never_(never) {}
  std::string_view name() const override { return "later"; }
  bool deciding() const override { return deciding_; }
  Decision Check(const SecurityContext&) const override {
    return Decision::Later(
        [this](Resume resume) {
          if (never_) {
            held_ = resume;  // kept, never called: the time limit decides
            return;
          }
          std::thread([resume, answer = answer_, delay = delay_]() mutable {
            std::this_thread::sleep_for(delay);
            resume(std::move(answer));
          }).detach();
        },
        timeout_);
  }

 private:
  bool deciding_;
  Decision answer_;
  std::chrono::milliseconds delay_, timeout_;
  bool never_;
  mutable Resume held_ = Resume::Make(nullptr);
};

// Answers at once and counts its calls.
class CountingStep final : public SecurityStep {
 public:
  CountingStep(bool deciding, Decision answer) : deciding_(deciding), answer_(std::move(answer)) {}
  std::string_view name() const override { return "now"; }
  bool deciding() const override { return deciding_; }
  Decision Check(const SecurityContext&) const override {
    ++calls;
    return answer_;
  }
  mutable std::atomic<int> calls{0};

 private:
  bool deciding_;
  Decision answer_;
};

SecurityContext Context(uint32_t access = kRetrieve) {
  SecurityContext ctx;
  ctx.originator = "Cae1";
  ctx.access = access;
  return ctx;
}

ChainOutcome RunAndWait(const SecurityChain& chain, const SecurityContext& ctx) {
  std::promise<ChainOutcome> p;
  auto f = p.get_future();
  chain.Run(ctx, [&p](ChainOutcome out) { p.set_value(std::move(out)); });
  EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
  return f.get();
}

TEST(SecurityChainAsync, SynchronousStepsCompleteBeforeRunReturns) {
  SecurityChain chain;
  chain.Append(std::make_unique<CountingStep>(true, Decision::Allow()));
  bool done = false;
  SecurityContext ctx = Context();
  chain.Run(ctx, [&done](ChainOutcome out) {
    EXPECT_TRUE(out.status.ok());
    done = true;
  });
  EXPECT_TRUE(done);
}

TEST(SecurityChainAsync, AStepThatAllowsLaterGrantsAccess) {
  SecurityChain chain;
  chain.Append(std::make_unique<CountingStep>(true, Decision::Defer("no ACP")));
  chain.Append(std::make_unique<LaterStep>(true, Decision::Allow(), 20ms, 2000ms));
  auto out = RunAndWait(chain, Context());
  EXPECT_TRUE(out.status.ok()) << out.status.message();
  EXPECT_EQ(out.step, "later");
}

TEST(SecurityChainAsync, AStepThatDeniesLaterRefuses) {
  SecurityChain chain;
  chain.Append(std::make_unique<LaterStep>(
      false, Decision::Deny(Status(Rsc::kOriginatorNotAuthenticated, "who"), "unknown"), 10ms,
      2000ms));
  auto next = std::make_shared<CountingStep>(true, Decision::Allow());
  chain.Append(next);
  auto out = RunAndWait(chain, Context());
  EXPECT_EQ(out.status.code(), Rsc::kOriginatorNotAuthenticated);
  EXPECT_EQ(next->calls.load(), 0);  // the chain stopped at the denial
}

TEST(SecurityChainAsync, AGateThatPassesLaterContinuesWithTheNextStep) {
  SecurityChain chain;
  chain.Append(std::make_unique<LaterStep>(false, Decision::Allow(), 10ms, 2000ms));
  auto next = std::make_shared<CountingStep>(true, Decision::Allow());
  chain.Append(next);
  auto out = RunAndWait(chain, Context());
  EXPECT_TRUE(out.status.ok());
  EXPECT_EQ(next->calls.load(), 1);
}

TEST(SecurityChainAsync, AStepThatNeverAnswersTimesOutWithAClearStatus) {
  SecurityChain chain;
  chain.Append(std::make_unique<LaterStep>(true, Decision::Allow(), 0ms, 50ms, /*never=*/true));
  auto start = std::chrono::steady_clock::now();
  auto out = RunAndWait(chain, Context());
  EXPECT_EQ(out.status.code(), Rsc::kRequestTimeout);
  EXPECT_NE(out.status.message().find("in time"), std::string::npos);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

TEST(SecurityChainAsync, ALateAnswerAfterTheTimeoutIsIgnored) {
  SecurityChain chain;
  chain.Append(std::make_unique<LaterStep>(true, Decision::Allow(), 200ms, 20ms));
  std::atomic<int> calls{0};
  std::promise<ChainOutcome> p;
  SecurityContext ctx = Context();
  chain.Run(ctx, [&](ChainOutcome out) {
    if (++calls == 1) p.set_value(std::move(out));
  });
  auto out = p.get_future().get();
  EXPECT_EQ(out.status.code(), Rsc::kRequestTimeout);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(calls.load(), 1);  // exactly once
}

TEST(SecurityChainAsync, RunNowCountsAPendingStepAsDefer) {
  SecurityChain chain;
  chain.Append(std::make_unique<LaterStep>(true, Decision::Allow(), 0ms, 1000ms));
  EXPECT_EQ(chain.RunNow(Context()).status.code(), Rsc::kOriginatorHasNoPrivilege);
}

TEST(SecurityChainObligations, ReadOnlyTurnsALaterAllowOfAWriteIntoADenial) {
  SecurityChain chain;
  Obligations greylisted;
  greylisted.read_only = true;
  chain.Append(std::make_unique<CountingStep>(false, Decision::Allow().With(greylisted)));
  chain.Append(std::make_unique<CountingStep>(true, Decision::Allow()));
  auto write = chain.RunNow(Context(kUpdate));
  EXPECT_EQ(write.status.code(), Rsc::kOriginatorHasNoPrivilege);
  EXPECT_TRUE(write.obligations.read_only);
  EXPECT_TRUE(chain.RunNow(Context(kRetrieve)).status.ok());
}

TEST(SecurityChainObligations, ObligationsOfTheRequestsGatesReachTheDecidingSteps) {
  SecurityChain chain;
  chain.Append(std::make_unique<CountingStep>(true, Decision::Allow()));
  SecurityContext ctx = Context(kCreate);
  ctx.obligations.read_only = true;  // what the gates imposed
  EXPECT_FALSE(chain.RunNow(ctx).status.ok());
}

TEST(SecurityChainObligations, MergeKeepsTheStricter) {
  Obligations a, b;
  a.delay = 10ms;
  a.use_case_class = 2;
  b.delay = 30ms;
  b.audit = true;
  b.use_case_class = 1;
  a.Merge(b);
  EXPECT_EQ(a.delay, 30ms);
  EXPECT_TRUE(a.audit);
  EXPECT_EQ(a.use_case_class, 2);  // the class named first stays
  EXPECT_FALSE(a.read_only);
  Obligations unclassified;
  unclassified.Merge(b);
  EXPECT_EQ(unclassified.use_case_class, 1);
}

TEST(SecurityChainObligations, ObligationsAccumulateInTheOutcome) {
  SecurityChain chain;
  Obligations throttle;
  throttle.delay = 5ms;
  Obligations audit;
  audit.audit = true;
  chain.Append(std::make_unique<CountingStep>(false, Decision::Allow().With(throttle)));
  chain.Append(std::make_unique<LaterStep>(true, Decision::Allow().With(audit), 5ms, 1000ms));
  auto out = RunAndWait(chain, Context());
  EXPECT_TRUE(out.status.ok());
  EXPECT_EQ(out.obligations.delay, 5ms);
  EXPECT_TRUE(out.obligations.audit);
}

}  // namespace
}  // namespace trustcse::security
