#include "dispatcher/update_gate.h"

#include <atomic>
#include <memory>
#include <utility>

namespace trustcse::dispatcher {

bool UpdateGate::Enter(const std::string& key, Work work) {
  {
    std::lock_guard lock(mu_);
    auto [it, fresh] = held_.try_emplace(key);
    if (!fresh) {
      if (it->second.size() >= max_waiting_) return false;
      it->second.push_back(std::move(work));
      return true;
    }
  }
  work(ReleaseOf(key));
  return true;
}

bool UpdateGate::Held(const std::string& key) {
  std::lock_guard lock(mu_);
  return held_.contains(key);
}

UpdateGate::Release UpdateGate::ReleaseOf(const std::string& key) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  return [this, key, done] {
    if (!done->exchange(true)) Leave(key);
  };
}

void UpdateGate::Leave(const std::string& key) {
  Work next;
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(key);
    if (it == held_.end()) return;
    if (it->second.empty()) {
      held_.erase(it);
      return;
    }
    next = std::move(it->second.front());
    it->second.pop_front();
  }
  next(ReleaseOf(key));
}

}  // namespace trustcse::dispatcher
