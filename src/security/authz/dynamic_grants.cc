#include "security/authz/dynamic_grants.h"

#include <mutex>

#include "security/authz/access_request.h"

namespace trustcse::security {

DynamicGrants::Shard& DynamicGrants::ShardOf(const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

Decision DynamicGrants::Check(const SecurityContext& ctx) const {
  if (!ctx.subject || count_.load(std::memory_order_relaxed) == 0) return Decision::Defer();
  std::string key(ctx.originator);
  key.append("\n").append(ctx.subject->path);
  Shard& shard = ShardOf(key);
  std::shared_ptr<const CompiledPrivileges> privileges;
  bool expired = false;
  {
    std::shared_lock lock(shard.mu);
    auto it = shard.grants.find(key);
    if (it == shard.grants.end()) return Decision::Defer();
    if (it->second.until <= ctx.time) {
      expired = true;
    } else {
      privileges = it->second.privileges;
    }
  }
  if (expired) {
    std::unique_lock lock(shard.mu);
    auto it = shard.grants.find(key);
    if (it != shard.grants.end() && it->second.until <= ctx.time) {
      shard.grants.erase(it);
      count_.fetch_sub(1, std::memory_order_relaxed);
    }
    return Decision::Defer();
  }
  return privileges->Grants(ToAccessRequest(ctx)) ? Decision::Allow() : Decision::Defer();
}

void DynamicGrants::Grant(const std::string& originator, const std::string& subject_path,
                          std::shared_ptr<const CompiledPrivileges> privileges, TimePoint until) {
  std::string key = originator + "\n" + subject_path;
  Shard& shard = ShardOf(key);
  std::unique_lock lock(shard.mu);
  if (shard.grants.size() >= shard_capacity_) {
    count_.fetch_sub(shard.grants.size(), std::memory_order_relaxed);
    shard.grants.clear();
  }
  auto [it, inserted] = shard.grants.insert_or_assign(std::move(key),
                                                      Entry{std::move(privileges), until});
  if (inserted) count_.fetch_add(1, std::memory_order_relaxed);
}

void DynamicGrants::Clear() {
  for (auto& shard : shards_) {
    std::unique_lock lock(shard.mu);
    count_.fetch_sub(shard.grants.size(), std::memory_order_relaxed);
    shard.grants.clear();
  }
}

}  // namespace trustcse::security
