// Internal to notification/: what the parts of the Notifier share — its implementation object
// and the worker's inbox. notifier.cc holds the public methods, the subscription index and the
// matching of committed events (event_matching.h, notification_body.h); delivery.cc the worker
// loop, attempts with retries and back-off, the polling-channel fallback, node-schedule holds,
// expirationCounter and deletion notices; target_resolver.h resolves targets.
//
// Ownership: Impl is owned by the Notifier; the Inbox is shared with the completion callbacks
// handed to the Sender and the Store, which may outlive the Notifier (once closed, whatever is
// pushed is dropped). Thread-safety: the Inbox and the subscription index have their own locks;
// lifecycle_mu guards started/stopped/worker; everything else of Impl is either immutable after
// construction or touched by the worker thread only. Errors: none cross this header — delivery
// failures are retried, then logged and dropped.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "notification/notifier.h"
#include "notification/target_resolver.h"

namespace trustcse::notification {

using SteadyClock = std::chrono::steady_clock;

// One notification on its way, with what a retry and the exc bookkeeping need.
struct Delivery {
  Notification n;
  std::string sub_ri;       // for logs and exc
  bool counts_exc = false;  // a successful delivery decrements the subscription's exc
  int attempts = 0;         // attempts made so far
  std::string fallback;     // where to go when the target cannot be reached (a polling channel)
};

struct Retry {
  SteadyClock::time_point due;
  uint64_t seq;  // keeps retries that fall due together in FIFO order
  Delivery delivery;
};

struct RetryLater {
  bool operator()(const Retry& a, const Retry& b) const {
    return a.due != b.due ? a.due > b.due : a.seq > b.seq;
  }
};

// Work items for the worker thread.
struct CommittedJob {
  resources::WriteEffects fx;
};
struct ExcJob {
  std::string sub_ri;
};
struct DeliverJob {
  std::string nu;
  std::string body;
  std::string context;
};
using Job = std::variant<CommittedJob, ExcJob, DeliverJob>;

// The worker's input: jobs and the retry timer queue.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;
  std::priority_queue<Retry, std::vector<Retry>, RetryLater> retries;
  uint64_t next_seq = 0;
  bool closed = false;

  void Push(Job job) {
    {
      std::lock_guard lock(mu);
      if (closed) return;
      jobs.push_back(std::move(job));
    }
    cv.notify_one();
  }

  void Schedule(Delivery d, SteadyClock::time_point due) {
    {
      std::lock_guard lock(mu);
      if (closed) return;
      retries.push(Retry{due, next_seq++, std::move(d)});
    }
    cv.notify_one();
  }
};

struct Notifier::Impl {
  Impl(NotifierOptions o, storage::Store& s, std::unique_ptr<Sender> snd)
      : options(std::move(o)),
        store(s),
        sender(std::move(snd)),
        inbox(std::make_shared<Inbox>()),
        targets(options.self, s, options.polling != nullptr, options.connections.get()) {
    if (options.max_attempts < 1) options.max_attempts = 1;
    if (options.first_retry_ms < 0) options.first_retry_ms = 0;
  }

  NotifierOptions options;
  storage::Store& store;
  std::unique_ptr<Sender> sender;
  std::shared_ptr<Inbox> inbox;
  // Shared with the senders' callbacks, which may outlive a stopped worker.
  std::shared_ptr<DeliveryCounters> counters = std::make_shared<DeliveryCounters>();
  const TargetResolver targets;

  std::mutex lifecycle_mu;  // started/stopped and the worker handle
  bool started = false;
  bool stopped = false;
  std::thread worker;

  // Which resources have subscriptions: parent ri → subscription ri's. A set rather than a count
  // so that seeing the same creation or deletion twice (start-up scan racing a queued write)
  // cannot skew it.
  std::mutex subs_mu;
  std::unordered_map<std::string, std::set<std::string>> subs_by_parent;

  bool HasSubscriptions(const std::string& ri) {
    std::lock_guard lock(subs_mu);
    return subs_by_parent.contains(ri);
  }
  void AddSubscription(const std::string& pi, const std::string& ri) {
    std::lock_guard lock(subs_mu);
    subs_by_parent[pi].insert(ri);
  }
  void RemoveSubscription(const std::string& pi, const std::string& ri) {
    std::lock_guard lock(subs_mu);
    auto it = subs_by_parent.find(pi);
    if (it == subs_by_parent.end()) return;
    it->second.erase(ri);
    if (it->second.empty()) subs_by_parent.erase(it);
  }

  // notifier.cc: the matching of one committed write.
  void Process(const resources::WriteEffects& fx);
  void NotifyEvent(const resources::Event& ev, const resources::WriteEffects& fx);

  // delivery.cc: the worker and everything it sends.
  void Run();
  void Handle(Job& job);
  void SendDeletionNotice(const storage::ResourceRecord& rec);
  void DecrementExc(const std::string& sub_ri);
  void Deliver(DeliverJob& job);
  void Attempt(Delivery d);
  // Attempts `d` now, or when its node wakes.
  void AttemptWhenAwake(Delivery d, const NodeWake& wake);
  // One request to n.target; to `fallback` (a polling channel) instead when n.target cannot be
  // reached. The sender outlives every exchange it started (its Stop completes them), so it is
  // still there when the first attempt completes.
  void RequestOrFallBack(Notification n, std::string fallback,
                         std::function<void(Status, std::string)> done);
};

}  // namespace trustcse::notification
