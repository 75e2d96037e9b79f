// MockClient: an egress::Client (egress/client.h) for unit tests of the layers that send through
// it — the notification sender, forwarded NOTIFYs, dynamic authorization consultations — which
// must behave when the other end answers late, answers an error, or never answers, and which a
// real client cannot be made to do on cue.
//
// It sends nothing. It records every request (with the deadline it was given and when it came)
// and answers it with a scripted answer: the next one queued by Enqueue(), else the default
// (SetDefault(); initially HTTP 200 with X-M2M-RSC 2000). An answer is given
//   - kNow: at once;
//   - kHeld: when the test releases it (ReleaseNext / ReleaseAll), whatever its deadline;
//   - kAtDeadline: as 4008 when the request's deadline passes (the deadline given to Send, else
//     the request's rqet if sooner, else default_timeout) — a hung target behind a real client;
//   - kNever: not at all, until Stop() (then 5103, as the Client contract says).
// Like a real client it calls every callback exactly once, on its own thread (the "I/O thread",
// started on the first Send), never on the caller's — except after Stop, when Send refuses the
// request with 5103 on the caller's thread. A request whose `via` names `self_via` (a loop) is
// refused with 5103 the same way, without being answered from the script (it is still recorded).
//
// Ownership: callbacks are kept until answered; Stop() answers every one still waiting (5103)
// and joins the thread. Thread-safety: every method may be called from any thread, except Stop
// (and the destructor, which stops) from a callback. Errors: only the scripted ones, and 5103
// after Stop or for a loop.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "egress/client.h"
#include "mocks/timed_runner.h"

namespace trustcse::mocks {

struct ScriptedAnswer {
  enum class When { kNow, kHeld, kAtDeadline, kNever };
  When when = When::kNow;
  Status transport;                    // OK: an answer arrived (in `response`)
  egress::OutboundResponse response;

  // An answer with HTTP status `http_status`, X-M2M-RSC `rsc` (0: none) and `body`.
  static ScriptedAnswer Respond(int http_status, int rsc = 0, std::string body = {},
                                egress::HeaderList headers = {}) {
    ScriptedAnswer a;
    a.response.status = http_status;
    a.response.rsc = rsc;
    if (rsc != 0) headers.emplace_back("X-M2M-RSC", std::to_string(rsc));
    a.response.headers = std::move(headers);
    a.response.body = std::move(body);
    return a;
  }
  // No answer arrived: `transport` (5103, 4008) is what the callback gets.
  static ScriptedAnswer Fail(Status transport) {
    ScriptedAnswer a;
    a.transport = std::move(transport);
    return a;
  }
  static ScriptedAnswer AtDeadline() {
    ScriptedAnswer a;
    a.when = When::kAtDeadline;
    a.transport = Status(Rsc::kRequestTimeout, "mock client: the deadline passed");
    return a;
  }
  static ScriptedAnswer Never() {
    ScriptedAnswer a;
    a.when = When::kNever;
    return a;
  }
  // This answer, given only when the test releases it.
  ScriptedAnswer Held() && {
    when = When::kHeld;
    return std::move(*this);
  }
};

// One request as the mock received it.
struct SentRequest {
  egress::OutboundRequest request;
  std::optional<TimePoint> deadline;  // as given to Send
  TimePoint sent_at;
};

class MockClient final : public egress::Client {
 public:
  explicit MockClient(std::chrono::milliseconds default_timeout = std::chrono::seconds(3),
                      std::string self_via = "id-in")
      : default_timeout_(default_timeout), self_via_(std::move(self_via)) {
    default_ = ScriptedAnswer::Respond(200, 2000);
  }
  ~MockClient() override { Stop(); }
  MockClient(const MockClient&) = delete;
  MockClient& operator=(const MockClient&) = delete;

  // --- Script. ---

  // The answer for requests with nothing queued.
  void SetDefault(ScriptedAnswer a) {
    std::lock_guard lock(mu_);
    default_ = std::move(a);
  }
  // Queues `a` for the next request without a queued answer (first in, first used).
  void Enqueue(ScriptedAnswer a) {
    std::lock_guard lock(mu_);
    queued_.push_back(std::move(a));
  }

  // Answers the oldest held request with its scripted answer; false if none is held.
  bool ReleaseNext() {
    Waiting w;
    {
      std::lock_guard lock(mu_);
      if (held_.empty()) return false;
      w = std::move(held_.front());
      held_.pop_front();
    }
    Answer(std::move(w));
    return true;
  }
  // Answers every held request, oldest first; returns how many.
  size_t ReleaseAll() {
    size_t n = 0;
    while (ReleaseNext()) ++n;
    return n;
  }

  // --- Observation. ---

  std::vector<SentRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t sent() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  // Requests held for release now.
  size_t held() const {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  // Callbacks called so far.
  size_t answered() const {
    std::lock_guard lock(mu_);
    return answered_;
  }
  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }
  // Waits until at least `n` requests were sent; false if `limit` passed first.
  bool WaitForRequests(size_t n, std::chrono::milliseconds limit) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return requests_.size() >= n; });
  }

  // --- egress::Client. ---

  void Send(egress::OutboundRequest request, std::optional<TimePoint> deadline,
            egress::ResponseHandler done) override {
    const bool loop = !self_via_.empty() && ViaNames(request.via, self_via_);
    TimePoint effective = Now() + std::chrono::duration_cast<std::chrono::microseconds>(
                                      default_timeout_);
    if (deadline || request.rqet) {
      effective = deadline && request.rqet ? std::min(*deadline, *request.rqet)
                                           : deadline ? *deadline : *request.rqet;
    }
    Waiting w;
    bool refused = false;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(SentRequest{request, deadline, Now()});
      cv_.notify_all();
      refused = stopped_ || loop;
      if (!refused) {
        if (queued_.empty()) {
          w.answer = default_;
        } else {
          w.answer = std::move(queued_.front());
          queued_.pop_front();
        }
        w.done = std::move(done);
        if (w.answer.when == ScriptedAnswer::When::kHeld) {
          held_.push_back(std::move(w));
          return;
        }
        if (w.answer.when == ScriptedAnswer::When::kNever) {
          never_.push_back(std::move(w));
          return;
        }
      } else {
        ++answered_;
      }
    }
    if (refused) {
      return done(Status(Rsc::kTargetNotReachable,
                         loop ? "mock client: a loop (via names this CSE)"
                              : "mock client: the client stopped"),
                  {});
    }
    if (w.answer.when == ScriptedAnswer::When::kAtDeadline) {
      auto in = effective - Now();
      auto when = std::chrono::steady_clock::now() +
                  std::max(in, decltype(in)::zero());
      return runner_.PostAt(when, Answering(std::move(w)));
    }
    Answer(std::move(w));
  }

  void Stop() override {
    std::vector<Waiting> waiting;
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      for (auto& w : held_) waiting.push_back(std::move(w));
      for (auto& w : never_) waiting.push_back(std::move(w));
      held_.clear();
      never_.clear();
    }
    for (auto& w : waiting) {
      w.answer = ScriptedAnswer::Fail(
          Status(Rsc::kTargetNotReachable, "mock client: the client stopped"));
      Answer(std::move(w));
    }
    runner_.Stop();  // runs what is queued (answers at a deadline: now), then joins
  }

 private:
  struct Waiting {
    ScriptedAnswer answer;
    egress::ResponseHandler done;
  };

  std::function<void()> Answering(Waiting w) {
    return [this, w = std::move(w)]() mutable {
      {
        std::lock_guard lock(mu_);
        ++answered_;
        if (stopped_ && w.answer.when == ScriptedAnswer::When::kAtDeadline) {
          w.answer = ScriptedAnswer::Fail(
              Status(Rsc::kTargetNotReachable, "mock client: the client stopped"));
        }
      }
      w.done(std::move(w.answer.transport), std::move(w.answer.response));
    };
  }
  void Answer(Waiting w) { runner_.Post(Answering(std::move(w))); }

  const std::chrono::milliseconds default_timeout_;
  const std::string self_via_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  ScriptedAnswer default_;                 // guarded by mu_
  std::deque<ScriptedAnswer> queued_;      // guarded by mu_
  std::vector<SentRequest> requests_;      // guarded by mu_
  std::deque<Waiting> held_;               // guarded by mu_
  std::vector<Waiting> never_;             // guarded by mu_
  size_t answered_ = 0;                    // guarded by mu_
  bool stopped_ = false;                   // guarded by mu_
  TimedRunner runner_;                     // last: stopped (joined) before the rest goes
};

}  // namespace trustcse::mocks
