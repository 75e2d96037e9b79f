// TimerQueue: one thread that calls functions at given times — the time limits of pending
// security steps. Bounded: At() refuses beyond `capacity` waiting entries (the caller then acts
// as if the time had already come). Entries cannot be cancelled; what they call must be
// harmless when it is late (a pending run that already finished ignores its timeout).
// Thread-safe. Destruction (or Shutdown) drops what has not come due and joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace trustcse::security {

class TimerQueue {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  explicit TimerQueue(size_t capacity = 100000);
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  // Calls `fn` on the queue's thread at `when` (or soon after); false when full.
  bool At(SteadyTime when, std::function<void()> fn);
  size_t size() const;
  // Drops every waiting entry and stops the thread (joined unless called on it). Idempotent;
  // At() refuses afterwards.
  void Shutdown();

 private:
  struct Entry {
    SteadyTime when;
    uint64_t order;
    std::function<void()> fn;
    bool operator>(const Entry& o) const {
      return when != o.when ? when > o.when : order > o.order;
    }
  };
  void Loop();
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> entries_;  // guarded by mu_
  uint64_t next_order_ = 0;  // guarded by mu_
  bool stop_ = false;        // guarded by mu_
  std::thread thread_;
};

}  // namespace trustcse::security
