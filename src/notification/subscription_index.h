// Internal to notification/: which resources have subscriptions, kept in memory so that the
// request path never reads the store to learn that nothing is subscribed.
//
// Besides "has subscriptions" it records, per subscribed-to resource, the two kinds of
// subscription the request path itself must act on: operation monitors (enc.om: a RETRIEVE or
// any other operation on the resource is an event, TS-0004 §6.3.5.57) and the Blocking_Update
// subscription (enc.net 7: at most one per resource, it holds UPDATEs, §7.5.1.2.19). The sets
// are keyed by the parent's resource ID and updated from committed writes in commit order:
// additions as the write commits, removals when the notifier's worker has handled the events
// before them (an entry may thus outlive its subscription briefly; users read the subscription).
//
// Ownership: values only. Thread-safety: every method may be called from any thread; readers
// share a lock, writers take it alone; HasOperationMonitors() first reads an atomic count, so
// a CSE without operation monitors pays no lock on the request path.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "resources/resource.h"

namespace trustcse::notification {

class SubscriptionIndex {
 public:
  struct Kinds {
    bool operation_monitor = false;
    bool blocking_update = false;
  };
  // What kind of subscription `sub` is (a malformed one is neither).
  static Kinds KindsOf(const resources::Resource& sub);
  static Kinds KindsOf(const storage::ResourceRecord& sub);

  // Records (or re-records, after an update) subscription `ri` of resource `pi`.
  void Add(const std::string& pi, const std::string& ri, Kinds kinds);
  void Remove(const std::string& pi, const std::string& ri);

  bool Has(const std::string& pi) const;
  bool HasOperationMonitors(const std::string& pi) const;
  bool AnyOperationMonitors() const { return monitors_.load(std::memory_order_relaxed) > 0; }
  // The Blocking_Update subscription of `pi`, if it has one.
  std::optional<std::string> BlockingUpdate(const std::string& pi) const;
  size_t size() const;

 private:
  struct Entry {
    std::set<std::string> all;  // a set: the start-up scan may race a queued write
    std::set<std::string> monitors;
    std::string blocking;
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> by_parent_;
  std::atomic<size_t> monitors_{0};
};

}  // namespace trustcse::notification
