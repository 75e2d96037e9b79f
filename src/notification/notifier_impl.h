// Internal to notification/: what the parts of the Notifier share — its implementation object
// and the worker's inbox. notifier.cc holds the public methods and the matching of committed
// events and operations (event_matching.h, notification_body.h); policies.cc the notification
// policies (statistics, notificationSchedule and pending caches, batches) between a match and a
// delivery; delivery.cc the worker loop, attempts with retries and back-off, the polling-channel
// fallback, node-schedule holds, expirationCounter and deletion notices; target_resolver.h
// resolves targets; subscription_index.h knows which resources are subscribed to.
//
// Ownership: Impl is owned by the Notifier; the Inbox is shared with the completion callbacks
// handed to the Sender and the Store, which may outlive the Notifier (once closed, whatever is
// pushed is dropped). Thread-safety: the Inbox and the subscription index have their own locks;
// lifecycle_mu guards started/stopped/worker; the policy state (batches, pending, stats, held)
// is touched by the worker thread only; everything else of Impl is immutable after construction.
// Errors: none cross this header — delivery failures are retried, then logged and dropped.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "notification/missing_data_reports.h"
#include "notification/notifier.h"
#include "notification/subscription_index.h"
#include "notification/target_resolver.h"

namespace trustcse::notification {

using SteadyClock = std::chrono::steady_clock;

// Bounds of what the policies hold (notifier.h).
inline constexpr size_t kMaxBatch = 256;       // notifications in one batch
inline constexpr size_t kMaxPending = 64;      // cached notifications of one subscription
inline constexpr size_t kMaxHeld = 20000;      // batched and cached, all subscriptions

// Calls `fn` once: when Done() was called `count` times, or Release() once — or when the last
// owner drops it, so that a waiting DELETE is answered even when its notices are never sent
// (the notifier stopped). Thread-safe.
class NoticeWait {
 public:
  NoticeWait(size_t count, std::function<void()> fn) : left_(count), fn_(std::move(fn)) {}
  ~NoticeWait() { Release(); }
  NoticeWait(const NoticeWait&) = delete;
  NoticeWait& operator=(const NoticeWait&) = delete;
  void Done() {
    bool last;
    {
      std::lock_guard lock(mu_);
      last = left_ > 0 && --left_ == 0;
    }
    if (last) Release();
  }
  void Release() {
    std::function<void()> fn;
    {
      std::lock_guard lock(mu_);
      fn = std::exchange(fn_, nullptr);
    }
    if (fn) fn();
  }

 private:
  std::mutex mu_;
  size_t left_;
  std::function<void()> fn_;
};

// One notification on its way, with what a retry, exc and the statistics need.
struct Delivery {
  Notification n;
  std::string sub_ri;       // for logs, exc and statistics
  std::string nu;           // the notification URI it goes to (nsi's target)
  bool counts_exc = false;  // a successful delivery decrements the subscription's exc
  bool stats = false;       // the subscription records statistics (nse)
  int attempts = 0;         // attempts made so far
  std::string fallback;     // where to go when the target cannot be reached (a polling channel)
  std::shared_ptr<NoticeWait> wait;  // told of the first attempt's outcome (deletion notices)
};

// Something the worker does at a time of its own choosing.
struct Timer {
  enum class Kind : uint8_t { kBatch, kPending, kStats, kNoticeWait };
  Kind kind;
  std::string sub_ri;
  uint64_t generation = 0;          // a batch or pending cache that is gone ignores its timer
  std::weak_ptr<NoticeWait> wait;   // kNoticeWait
};

struct Scheduled {
  SteadyClock::time_point due;
  uint64_t seq;  // keeps entries that fall due together in FIFO order
  std::variant<Delivery, Timer> what;
};

struct DueLater {
  bool operator()(const Scheduled& a, const Scheduled& b) const {
    return a.due != b.due ? a.due > b.due : a.seq > b.seq;
  }
};

// Work items for the worker thread.
struct CommittedJob {
  resources::WriteEffects fx;
  std::shared_ptr<NoticeWait> wait;  // the DELETE waiting for its deletion notices
};
struct ExcJob {
  std::string sub_ri;
};
struct DeliverJob {
  std::string nu;
  std::string body;
  std::string context;
};
struct OperationJob {
  std::string subject_ri;
  Operation op;
  std::string originator;
  std::string created_ri;
};
struct ResponseJob {  // a target answered a counted notification (nsi rsr)
  std::string sub_ri;
  std::string nu;
};
using Job = std::variant<CommittedJob, ExcJob, DeliverJob, OperationJob, ResponseJob>;

// The worker's input: jobs and the timer queue (retries and the policies' timers).
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;
  std::priority_queue<Scheduled, std::vector<Scheduled>, DueLater> timers;
  uint64_t next_seq = 0;
  bool closed = false;

  // False (and `job` dropped) once the inbox is closed.
  bool Push(Job job) {
    {
      std::lock_guard lock(mu);
      if (closed) return false;
      jobs.push_back(std::move(job));
    }
    cv.notify_one();
    return true;
  }

  void Schedule(std::variant<Delivery, Timer> what, SteadyClock::time_point due) {
    {
      std::lock_guard lock(mu);
      if (closed) return;
      timers.push(Scheduled{due, next_seq++, std::move(what)});
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
        targets(options.self, s, options.polling != nullptr, options.connections.get()),
        own_release(OwnRelease()) {
    if (options.max_attempts < 1) options.max_attempts = 1;
    if (options.first_retry_ms < 0) options.first_retry_ms = 0;
    if (options.notice_wait_ms < 0) options.notice_wait_ms = 0;
    if (options.stats_flush_ms < 0) options.stats_flush_ms = 0;
  }

  NotifierOptions options;
  storage::Store& store;
  std::unique_ptr<Sender> sender;
  std::shared_ptr<Inbox> inbox;
  // Shared with the senders' callbacks, which may outlive a stopped worker.
  std::shared_ptr<DeliveryCounters> counters = std::make_shared<DeliveryCounters>();
  const TargetResolver targets;
  const std::string own_release;  // X-M2M-RVI when the target names none

  std::mutex lifecycle_mu;  // started/stopped and the worker handle
  bool started = false;
  bool stopped = false;
  std::thread worker;

  SubscriptionIndex index;

  // The policies' state, worker thread only (policies.cc).
  struct Batch {
    std::vector<boost::json::object> sgns;  // FIFO; with ln only the latest
    uint64_t events = 0;                    // events since the batch began (num counts these)
    uint64_t generation = 0;
  };
  struct Pending {
    std::deque<boost::json::object> sgns;  // oldest first
    uint64_t generation = 0;
    bool release_scheduled = false;
    // Released one at a time (sendAllPending): the next goes once the previous was answered,
    // and events meanwhile queue behind them, so that nothing overtakes on another connection.
    bool sending = false;
  };
  struct Stats {
    std::map<std::string, std::pair<uint64_t, uint64_t>> requests;  // nu → (sent, answered)
    uint64_t events = 0;
  };
  std::unordered_map<std::string, Batch> batches;
  std::unordered_map<std::string, Pending> pending;
  std::unordered_map<std::string, Stats> stats;
  bool stats_flush_scheduled = false;
  size_t held = 0;  // notifications in batches and pending caches
  uint64_t next_generation = 1;

  // The reporting windows of missing-data subscriptions (worker thread only).
  MissingDataReports missing_data;

  // notifier.cc: matching committed writes and operations.
  void Process(const resources::WriteEffects& fx, const std::shared_ptr<NoticeWait>& wait);
  void NotifyEvent(const resources::Event& ev, const resources::WriteEffects& fx);
  void NotifyOperation(const OperationJob& job);
  void IndexSubscription(const storage::ResourceRecord& rec);

  // policies.cc: from a matched event to deliveries.
  // `stored`: the subscription is still in the store (exc and statistics can be written).
  void Emit(const resources::Resource& sub, bool stored, boost::json::object sgn);
  void SendOrBatch(const resources::Resource& sub, bool stored, boost::json::object sgn,
                   std::optional<int> ec);
  void FlushBatch(const resources::Resource& sub, bool stored);
  void HoldPending(const resources::Resource& sub, boost::json::object sgn);
  void ReleasePending(const std::string& sub_ri);
  void SubscriptionChanged(const resources::Resource& sub);
  void SubscriptionDeleted(const resources::Resource& sub);
  void CountEvent(const resources::Resource& sub);
  void CountRequest(const Delivery& d);
  void CountResponse(const std::string& sub_ri, const std::string& nu);
  void FlushStats();
  void OnTimer(const Timer& t);
  // One request per notification target of `sub` carrying `body`.
  // `after` (if set) runs once every target has answered its first attempt (or it was dropped).
  void DeliverToTargets(const resources::Resource& sub, bool stored, const std::string& body,
                        std::optional<int> ec, std::function<void()> after = nullptr);
  // The report a kMissingData event makes for `sub` now, if its window calls for one.
  std::optional<MissingDataReports::Report> ReportMissingData(const resources::Resource& sub,
                                                              const resources::Event& ev);

  // delivery.cc: the worker and everything it sends.
  void Run();
  void Handle(Job& job);
  void SendDeletionNotice(const storage::ResourceRecord& rec,
                          const std::shared_ptr<NoticeWait>& wait);
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
  // A Notification to the resolved target of `nu` (empty target: unresolvable).
  Notification Addressed(const std::string& nu, std::string body, std::string_view rqi_prefix,
                         std::string* fallback, NodeWake* wake) const;
};

}  // namespace trustcse::notification
