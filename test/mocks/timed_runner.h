// TimedRunner: one background thread that runs tasks at (or after) given times, in time order —
// the "other thread" the mocks answer from (mock_client.h: the client's I/O thread;
// scripted_step.h: a step's later answers). Not a mock itself; a helper of the mocks.
//
// The thread starts with the first Post. Stop() runs every task still queued, at once and in time
// order (so that no callback a test is waiting for is lost), then joins the thread; later Posts
// run the task on the caller's thread. Stop (or the destructor) may even run on the runner's own
// thread — a task that drops the last reference to the runner's owner — and then lets the thread
// finish the queue by itself. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace trustcse::mocks {

class TimedRunner {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  TimedRunner() = default;
  ~TimedRunner() { Stop(); }
  TimedRunner(const TimedRunner&) = delete;
  TimedRunner& operator=(const TimedRunner&) = delete;

  // Runs `task` on the runner's thread no sooner than `when`.
  void PostAt(SteadyTime when, std::function<void()> task) {
    {
      std::lock_guard lock(core_->mu);
      if (!core_->stopped) {
        core_->tasks.emplace(when, std::move(task));
        if (!thread_.joinable()) thread_ = std::thread([core = core_] { Loop(*core); });
        core_->cv.notify_all();
        return;
      }
    }
    task();  // stopped: on the caller's thread
  }
  void Post(std::function<void()> task) { PostAt(std::chrono::steady_clock::now(), std::move(task)); }
  void PostAfter(std::chrono::milliseconds delay, std::function<void()> task) {
    PostAt(std::chrono::steady_clock::now() + delay, std::move(task));
  }

  // True when called from the runner's thread.
  bool OnRunnerThread() const { return std::this_thread::get_id() == core_->runner_id.load(); }

  void Stop() {
    std::thread t;
    {
      std::lock_guard lock(core_->mu);
      if (core_->stopped) return;
      core_->stopped = true;
      core_->cv.notify_all();
      t = std::move(thread_);
    }
    if (t.joinable()) {
      if (OnRunnerThread()) {
        t.detach();  // the thread holds the core and empties the queue before it ends
        return;
      }
      t.join();
    }
    // Whatever the thread left (it was never started, or Stop raced a Post): run it here.
    std::multimap<SteadyTime, std::function<void()>> rest;
    {
      std::lock_guard lock(core_->mu);
      rest.swap(core_->tasks);
    }
    for (auto& [when, task] : rest) task();
  }

 private:
  struct Core {
    std::mutex mu;
    std::condition_variable cv;
    std::multimap<SteadyTime, std::function<void()>> tasks;  // guarded by mu
    bool stopped = false;                                    // guarded by mu
    std::atomic<std::thread::id> runner_id{};
  };

  static void Loop(Core& c) {
    c.runner_id = std::this_thread::get_id();
    std::unique_lock lock(c.mu);
    for (;;) {
      if (c.tasks.empty()) {
        if (c.stopped) return;
        c.cv.wait(lock);
        continue;
      }
      auto first = c.tasks.begin();
      if (!c.stopped && first->first > std::chrono::steady_clock::now()) {
        c.cv.wait_until(lock, first->first);
        continue;
      }
      std::function<void()> task = std::move(first->second);
      c.tasks.erase(first);
      lock.unlock();
      task();
      task = nullptr;  // whatever it holds goes before the lock is taken again
      lock.lock();
    }
  }

  const std::shared_ptr<Core> core_ = std::make_shared<Core>();
  std::thread thread_;  // guarded by core_->mu
};

}  // namespace trustcse::mocks
