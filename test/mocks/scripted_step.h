// ScriptedStep: a security::SecurityStep (security/chain.h) that answers what the test scripted,
// now or later, for tests of what runs the chains — the dispatcher's gates and authorization,
// the bindings — which must behave when a step waits (a lookup, a consultation), answers late,
// never answers, or imposes obligations; a real step cannot be made to do that on cue.
//
// Every Check is counted and its context's facts recorded (originator, access, subject path,
// the gates' obligations). It answers the scripted Decision (Script(); initially Allow) —
//   - kNow: as Check's return value;
//   - kLater: pending (Decision::Later with the scripted timeout), resumed with the answer from
//     the step's own thread after the scripted delay;
//   - kHeld: pending, resumed with the answer only when the test calls ResumeNext / ResumeAll
//     (from the test's thread; the chain then continues there);
//   - kNever: pending and never resumed: the chain's time limit decides (Decision::Later's
//     `on_timeout`, set with OnTimeout(); default 4008).
// Whether it is a gate (Allow passes on) or a deciding step (Allow grants) is fixed at
// construction. Script, OnTimeout and the rest may change between requests; a Check uses the
// script as it is when it runs.
//
// Ownership: a held Resume keeps the suspended run — and through it the chain and this step —
// alive: resume it (or DropHeld()) before the test ends. A kNever answer keeps nothing. The
// destructor runs later answers still queued, at once. Thread-safety: Check runs concurrently
// on the request threads; every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mocks/timed_runner.h"
#include "security/chain.h"

namespace trustcse::mocks {

class ScriptedStep final : public security::SecurityStep {
 public:
  enum class When { kNow, kLater, kHeld, kNever };

  // What a Check saw.
  struct Seen {
    std::string originator;
    uint32_t access = 0;
    std::string subject_path;  // "" without a subject (the gates)
    security::Obligations obligations;
  };

  ScriptedStep(std::string name, bool deciding) : name_(std::move(name)), deciding_(deciding) {}
  ~ScriptedStep() override { runner_.Stop(); }

  // --- Script. ---

  // Answer `answer`, at `when`; for kLater after `delay`. Pending answers (kLater, kHeld,
  // kNever) carry `timeout` as their time limit.
  void Script(security::Decision answer, When when = When::kNow,
              std::chrono::milliseconds delay = std::chrono::milliseconds(0),
              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::lock_guard lock(mu_);
    answer_ = std::move(answer);
    when_ = when;
    delay_ = delay;
    timeout_ = timeout;
  }
  // What the chain answers when a pending answer times out (nullopt: its default, 4008).
  void OnTimeout(std::optional<security::Decision> d) {
    std::lock_guard lock(mu_);
    on_timeout_ = d ? std::make_shared<const security::Decision>(std::move(*d)) : nullptr;
  }

  // Resumes the oldest held run with the answer scripted when it was checked; false if none.
  bool ResumeNext() {
    Held h;
    {
      std::lock_guard lock(mu_);
      if (held_.empty()) return false;
      h = std::move(held_.front());
      held_.pop_front();
    }
    h.resume(std::move(h.answer));
    return true;
  }
  size_t ResumeAll() {
    size_t n = 0;
    while (ResumeNext()) ++n;
    return n;
  }
  // Forgets the held runs without resuming them (their time limits decide).
  void DropHeld() {
    std::deque<Held> dropped;
    std::lock_guard lock(mu_);
    dropped.swap(held_);
  }

  // --- Observation. ---

  int calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  size_t held() const {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  // Waits until at least `n` runs are held; false if `limit` passed first.
  bool WaitForHeld(size_t n, std::chrono::milliseconds limit) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return held_.size() >= n; });
  }
  bool WaitForCalls(int n, std::chrono::milliseconds limit) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return calls_ >= n; });
  }

  // --- security::SecurityStep. ---

  std::string_view name() const override { return name_; }
  bool deciding() const override { return deciding_; }

  security::Decision Check(const security::SecurityContext& ctx) const override {
    security::Decision answer;
    When when;
    std::chrono::milliseconds delay, timeout;
    std::shared_ptr<const security::Decision> on_timeout;
    {
      std::lock_guard lock(mu_);
      ++calls_;
      seen_.push_back(Seen{std::string(ctx.originator), ctx.access,
                           ctx.subject ? ctx.subject->path : std::string(), ctx.obligations});
      cv_.notify_all();
      answer = answer_;
      when = when_;
      delay = delay_;
      timeout = timeout_;
      on_timeout = on_timeout_;
    }
    switch (when) {
      case When::kNow:
        return answer;
      case When::kLater:
        return security::Decision::Later(
            [this, answer = std::move(answer), delay](security::Resume resume) mutable {
              runner_.PostAfter(delay, [resume, answer = std::move(answer)]() mutable {
                resume(std::move(answer));
              });
            },
            timeout, std::move(on_timeout));
      case When::kHeld:
        return security::Decision::Later(
            [this, answer = std::move(answer)](security::Resume resume) mutable {
              std::lock_guard lock(mu_);
              held_.push_back(Held{std::move(resume), std::move(answer)});
              cv_.notify_all();
            },
            timeout, std::move(on_timeout));
      case When::kNever:
        return security::Decision::Later([](security::Resume) {}, timeout,
                                         std::move(on_timeout));
    }
    return answer;
  }

 private:
  struct Held {
    security::Resume resume = security::Resume::Make(nullptr);
    security::Decision answer;
  };

  const std::string name_;
  const bool deciding_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  security::Decision answer_ = security::Decision::Allow();  // guarded by mu_
  When when_ = When::kNow;                                   // guarded by mu_
  std::chrono::milliseconds delay_{0};                       // guarded by mu_
  std::chrono::milliseconds timeout_{std::chrono::seconds(10)};  // guarded by mu_
  std::shared_ptr<const security::Decision> on_timeout_;     // guarded by mu_
  mutable int calls_ = 0;                                    // guarded by mu_
  mutable std::vector<Seen> seen_;                           // guarded by mu_
  mutable std::deque<Held> held_;                            // guarded by mu_
  mutable TimedRunner runner_;
};

}  // namespace trustcse::mocks
