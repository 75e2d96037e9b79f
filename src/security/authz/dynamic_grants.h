// DynamicGrants: privileges granted by dynamic authorization servers (SEC-5, direct dynamic
// authorization; TS-0003 §7.3), kept until they expire. The dynamic authorization step
// (dynamic_authorization.h) records what a server granted here; this deciding step then allows
// later requests of the same originator to the same resource, until the grant expires, without
// asking again.
//
// Cost: with no grant recorded (the common case) Check is one relaxed atomic load — no lock.
// With grants, a lookup takes a shared lock of one of 16 shards (by originator and path), so
// concurrent authorizations do not serialize; expiry is lazy. Bounded: a shard holding more than
// 1/16 of `capacity` grants is cleared (grants are re-obtained on demand). Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "security/authz/compiled_acp.h"
#include "security/chain.h"

namespace trustcse::security {

class DynamicGrants final : public SecurityStep {
 public:
  explicit DynamicGrants(size_t capacity = 100000) : shard_capacity_(capacity / kShards + 1) {}
  std::string_view name() const override { return "authz.dynamic"; }
  bool deciding() const override { return true; }
  Decision Check(const SecurityContext& ctx) const override;

  // Records that `originator` holds `privileges` on the resource at `subject_path` (that resource
  // only — instances governed by it are checked against it as their subject) until `until`.
  void Grant(const std::string& originator, const std::string& subject_path,
             std::shared_ptr<const CompiledPrivileges> privileges, TimePoint until);
  // Forgets every grant.
  void Clear();
  size_t size() const { return count_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kShards = 16;
  struct Entry {
    std::shared_ptr<const CompiledPrivileges> privileges;
    TimePoint until;
  };
  struct Shard {
    mutable std::shared_mutex mu;
    std::unordered_map<std::string, Entry> grants;  // key: originator '\n' subject path
  };
  Shard& ShardOf(const std::string& key) const;
  const size_t shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
  mutable std::atomic<size_t> count_{0};
};

}  // namespace trustcse::security
