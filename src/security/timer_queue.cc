#include "security/timer_queue.h"

#include <pthread.h>

namespace trustcse::security {

TimerQueue::TimerQueue(size_t capacity) : capacity_(capacity) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tc-timers");
    Loop();
  });
}

TimerQueue::~TimerQueue() { Shutdown(); }

void TimerQueue::Shutdown() {
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> dropped;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    dropped.swap(entries_);  // destroyed outside the lock: they may hold the last references
  }
  cv_.notify_one();
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

bool TimerQueue::At(SteadyTime when, std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (stop_ || entries_.size() >= capacity_) return false;
    entries_.push(Entry{when, next_order_++, std::move(fn)});
  }
  cv_.notify_one();
  return true;
}

size_t TimerQueue::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void TimerQueue::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (entries_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto when = entries_.top().when;
    if (std::chrono::steady_clock::now() < when) {
      cv_.wait_until(lock, when);
      continue;
    }
    // top() is const, but pop() compares only `when` and `order`: moving the function out first
    // is safe.
    auto fn = std::move(const_cast<Entry&>(entries_.top()).fn);
    entries_.pop();
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace trustcse::security
