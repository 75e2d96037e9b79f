// UpdateGate: one request at a time per resource, for resources with a Blocking_Update
// subscription. TS-0001 §10.2.10.7: while an UPDATE is blocked waiting for the subscriber's
// answer, "no other UPDATE or DELETE requests to the same resource instance shall be processed"
// — they wait, in arrival order, until the blocked UPDATE has completed (TS-0004 §7.5.1.2.19
// steps 2 and 5).
//
// Bounded: at most `max_waiting` requests wait per resource; Enter() refuses the next one. A
// resource's entry exists only while someone holds it.
//
// Ownership: the gate keeps the waiting continuations until they run. Thread-safety: Enter and
// the release functions may be called from any thread; a continuation runs on the thread that
// released the gate before it (or Enter's caller when the gate was free), outside the lock.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace trustcse::dispatcher {

class UpdateGate {
 public:
  // Lets the next waiter in; calling it more than once has no further effect.
  using Release = std::function<void()>;
  using Work = std::function<void(Release)>;

  explicit UpdateGate(size_t max_waiting = 64) : max_waiting_(max_waiting) {}

  // Runs `work` now if nobody holds `key`, else once everyone before it has released. False
  // (and `work` dropped unrun) when `max_waiting` requests already wait for `key`.
  bool Enter(const std::string& key, Work work);

  // For tests: whether `key` is held.
  bool Held(const std::string& key);

 private:
  Release ReleaseOf(const std::string& key);
  void Leave(const std::string& key);

  const size_t max_waiting_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<Work>> held_;  // present = held; the waiters
};

}  // namespace trustcse::dispatcher
