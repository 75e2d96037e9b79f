#include "bindings/http/connection_limiter.h"

namespace trustcse::http {

ConnectionLimiter::Admission ConnectionLimiter::Admit(const std::string& source) {
  std::lock_guard lock(mu_);
  if (total_ >= max_total_) return Admission::kAtCapacity;
  auto it = per_source_.find(source);
  const size_t n = it == per_source_.end() ? 0 : it->second;
  if (n >= max_per_source_) return Admission::kSourceAtCapacity;
  if (it == per_source_.end()) {
    per_source_.emplace(source, 1);
  } else {
    ++it->second;
  }
  ++total_;
  return Admission::kAdmitted;
}

void ConnectionLimiter::Release(const std::string& source) {
  std::lock_guard lock(mu_);
  auto it = per_source_.find(source);
  if (it == per_source_.end()) return;
  if (--it->second == 0) per_source_.erase(it);
  --total_;
}

bool ConnectionLimiter::AtCapacity() const {
  std::lock_guard lock(mu_);
  return total_ >= max_total_;
}

size_t ConnectionLimiter::max_total() const {
  std::lock_guard lock(mu_);
  return max_total_;
}

size_t ConnectionLimiter::max_per_source() const {
  std::lock_guard lock(mu_);
  return max_per_source_;
}

void ConnectionLimiter::SetCaps(size_t max_total, size_t max_per_source) {
  std::lock_guard lock(mu_);
  max_total_ = max_total;
  max_per_source_ = max_per_source;
}

size_t ConnectionLimiter::active() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace trustcse::http
