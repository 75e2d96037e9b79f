// SubscriptionRegistry: each machine's device subscription (OP-1, OP-2) — its least-privilege
// profile (subscription_profile.h) and its lifecycle:
//
//   provisioned → active ⇄ suspended → terminated, and quarantined (from active or suspended,
//   back to either); terminated is final. provisioned may also go straight to terminated.
//
// What each state means on the request path (the trust gate): active — served within the
// profile; quarantined — reads only, every access audited (the greylist's read-only);
// provisioned, suspended, terminated — refused (4128). A machine without a subscription is
// governed by its class and the ACPs alone; once it has one, the subscription governs.
//
// A transition is atomic (one store write), idempotent (to the current state: nothing changes,
// nothing is written) and recorded in the subscription's history with who and why; the admin
// operation is audited. Suspending or quarantining the subscription of a machine of a critical
// class (CQS, CQN, CBS, CBN) needs an explicit override with a reason (4000 otherwise).
// A machine has at most one subscription that is not terminated.
//
// Records are store objects of kind "tc-sub" (JSON), loaded at start-up; lookups by machine
// take a shared lock. Changes wait for the store's commit.
// Thread-safety: any thread.
#pragma once

#include <atomic>
#include <map>
#include <boost/json/object.hpp>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/string_hash.h"
#include "security/trust/bulk_job.h"
#include "security/trust/subscription_profile.h"
#include "security/trust/trust_registry.h"
#include "storage/store.h"

namespace trustcse::security::trust {

struct Subscription {
  std::string id;
  std::string machine;
  std::string state;  // provisioned | active | suspended | quarantined | terminated
  SubscriptionProfile profile;
  std::string created;
  std::vector<HistoryEntry> history;  // field "state": from → to, by, reason (+ " [override]")
};
boost::json::object ToJson(const Subscription& s);

// A subscription as the request path holds it: the record and its rate bucket.
struct LiveSubscription {
  Subscription sub;
  // Null without a rate ceiling; shared with the record's next version when the ceiling stays.
  std::shared_ptr<RateBucket> bucket;
};

class SubscriptionRegistry {
 public:
  static constexpr std::string_view kKind = "tc-sub";

  SubscriptionRegistry(storage::Store& store, std::shared_ptr<const TrustRegistry> trust)
      : store_(store), trust_(std::move(trust)) {}
  Status Load();

  // The machine's subscription: the one not terminated, else the newest terminated; null if
  // it never had one.
  std::shared_ptr<const LiveSubscription> Of(std::string_view machine) const;
  std::shared_ptr<const LiveSubscription> Find(std::string_view id) const;
  // At most `limit` subscriptions from `after` (exclusive), in ID order; of one machine if given.
  std::vector<Subscription> List(std::string_view machine, std::string_view after,
                                 size_t limit) const;
  bool empty() const { return count_.load(std::memory_order_acquire) == 0; }

  // subscription.add {machine, id?, state?: provisioned (default) | active, profile: {...}}.
  // 4004 unknown machine; 4105 the machine has a subscription that is not terminated, or the ID
  // exists; 4000 a bad profile or state.
  Result<Subscription> Add(const boost::json::object& fields, std::string_view by);
  // subscription.update {id, profile}: a new profile for a subscription not terminated.
  Result<Subscription> UpdateProfile(std::string_view id, const boost::json::object& profile,
                                     std::string_view by);
  // A lifecycle transition (see the file comment). 4000 for one the lifecycle does not have,
  // or a critical class without `override` and a reason.
  Result<Subscription> Transition(std::string_view id, std::string_view to, std::string reason,
                                  bool override_critical, std::string_view by);

  // True if `from` → `to` is a transition of the lifecycle (to itself: true, idempotent).
  static bool Allowed(std::string_view from, std::string_view to);

  // In bulk (bulk_job.h), one store transaction per batch with the job's progress; each item
  // as the one-by-one operation would do it, failing alone. subscription.import: `items` are
  // subscription.add's fields. subscription.bulk: the subscriptions `ids` moved to `to` as
  // Transition moves them (already there: unchanged). The batch's op is set here, and its
  // params (the source file's digest) extended by the transition's state, override and reason.
  Result<BulkJob> AddBatch(BulkBatch batch, const boost::json::array& items);
  Result<BulkJob> TransitionBatch(BulkBatch batch, const std::vector<std::string>& ids,
                                  std::string_view to, const std::string& reason,
                                  bool override_critical);

 private:
  // A new subscription from subscription.add's fields, validated (not yet against the others).
  Result<Subscription> Validate(const boost::json::object& fields, std::string_view by,
                                const std::string& now) const;
  // Subscription `cur` moved to `to`; nullopt if it is there already. Under change_mu_.
  Result<std::optional<Subscription>> Plan(const Subscription& cur, std::string_view to,
                                           std::string reason, bool override_critical,
                                           std::string_view by, const std::string& now) const;
  // The request path's form of `s`, sharing the rate bucket of its current version when the
  // ceiling stays. Under change_mu_ (or at load).
  std::shared_ptr<const LiveSubscription> MakeLive(Subscription s) const;
  void InstallLocked(std::shared_ptr<const LiveSubscription> live);  // under mu_ (unique)
  static std::string Body(const Subscription& s);
  // A batch's new versions: committed with the job's progress, then made visible.
  struct Staged {
    std::vector<std::shared_ptr<const LiveSubscription>> live;
    std::vector<std::string> bodies;
  };
  Result<BulkJob> CommitStaged(const BulkBatch& batch, size_t count, const BulkOutcome& outcome,
                               Staged& staged);  // under change_mu_
  Status Write(const Subscription& s);

  storage::Store& store_;
  std::shared_ptr<const TrustRegistry> trust_;
  std::mutex change_mu_;
  mutable std::shared_mutex mu_;
  // In ID order: a listing's page starts where the last one ended (O(log n + page)).
  std::map<std::string, std::shared_ptr<const LiveSubscription>, std::less<>> by_id_;
  StringMap<std::shared_ptr<const LiveSubscription>> by_machine_;
  std::atomic<size_t> count_{0};  // by_id_.size(), read without the lock
};

}  // namespace trustcse::security::trust
