// Test helper: an events::Sink that keeps every event the stream delivers to it, for tests that
// check what was published (subscribe it, stop the stream or wait, then read Seen()).
#pragma once

#include <mutex>
#include <vector>

#include "events/event_stream.h"

namespace trustcse::events {

class EventLog : public Sink {
 public:
  void Consume(const Event& e) override {
    std::lock_guard lock(mu);
    seen.push_back(e);
  }
  std::vector<Event> Seen() {
    std::lock_guard lock(mu);
    return seen;
  }
  std::mutex mu;
  std::vector<Event> seen;  // guarded by mu
};

}  // namespace trustcse::events
