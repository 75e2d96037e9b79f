#include "notification/subscription_index.h"

#include <algorithm>
#include <mutex>

#include "notification/attribute_lists.h"

namespace trustcse::notification {

SubscriptionIndex::Kinds SubscriptionIndex::KindsOf(const resources::Resource& sub) {
  Kinds k;
  const auto* enc = sub.attrs.if_contains("enc");
  if (enc == nullptr || !enc->is_object()) return k;
  k.operation_monitor = enc->get_object().contains("om");
  const auto nets = IntList(enc->get_object(), "net");
  k.blocking_update = std::find(nets.begin(), nets.end(), 7) != nets.end();
  return k;
}

SubscriptionIndex::Kinds SubscriptionIndex::KindsOf(const storage::ResourceRecord& sub) {
  auto res = resources::Resource::FromRecord(sub);
  return res ? KindsOf(*res) : Kinds{};
}

void SubscriptionIndex::Add(const std::string& pi, const std::string& ri, Kinds kinds) {
  std::unique_lock lock(mu_);
  Entry& e = by_parent_[pi];
  e.all.insert(ri);
  if (kinds.operation_monitor) {
    if (e.monitors.insert(ri).second) monitors_.fetch_add(1, std::memory_order_relaxed);
  } else if (e.monitors.erase(ri) > 0) {
    monitors_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (kinds.blocking_update) {
    e.blocking = ri;
  } else if (e.blocking == ri) {
    e.blocking.clear();
  }
}

void SubscriptionIndex::Remove(const std::string& pi, const std::string& ri) {
  std::unique_lock lock(mu_);
  auto it = by_parent_.find(pi);
  if (it == by_parent_.end()) return;
  Entry& e = it->second;
  e.all.erase(ri);
  if (e.monitors.erase(ri) > 0) monitors_.fetch_sub(1, std::memory_order_relaxed);
  if (e.blocking == ri) e.blocking.clear();
  if (e.all.empty()) by_parent_.erase(it);
}

bool SubscriptionIndex::Has(const std::string& pi) const {
  std::shared_lock lock(mu_);
  return by_parent_.contains(pi);
}

bool SubscriptionIndex::HasOperationMonitors(const std::string& pi) const {
  if (monitors_.load(std::memory_order_relaxed) == 0) return false;
  std::shared_lock lock(mu_);
  auto it = by_parent_.find(pi);
  return it != by_parent_.end() && !it->second.monitors.empty();
}

std::optional<std::string> SubscriptionIndex::BlockingUpdate(const std::string& pi) const {
  std::shared_lock lock(mu_);
  auto it = by_parent_.find(pi);
  if (it == by_parent_.end() || it->second.blocking.empty()) return std::nullopt;
  return it->second.blocking;
}

size_t SubscriptionIndex::size() const {
  std::shared_lock lock(mu_);
  size_t n = 0;
  for (const auto& [pi, e] : by_parent_) n += e.all.size();
  return n;
}

}  // namespace trustcse::notification
