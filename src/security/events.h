// Security events: every denial the security chain makes is described once, as data, and handed
// to a SecurityEventSink — the log today, the hash-chained audit trail and the analytics stream
// later (AUD-1, OP-5). Events carry identifiers and reasons only, never request contents or
// secrets. Sinks are called on request threads, concurrently: Record must be thread-safe and
// must not block on I/O.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace trustcse::security {

struct SecurityEvent {
  TimePoint time;
  std::string_view step;        // the chain step that decided ("authz.acp", "default", …)
  std::string_view originator;
  std::string_view target;      // structured path of the resource whose policies applied
  std::string_view operation;   // "retrieve", "create", …
  Rsc status;                   // what the client was told
  std::string_view reason;      // which rule set failed and why
};

class SecurityEventSink {
 public:
  virtual ~SecurityEventSink() = default;
  virtual void Record(const SecurityEvent& event) = 0;
};

// Writes each event as one structured warning line.
class LogSecurityEventSink final : public SecurityEventSink {
 public:
  void Record(const SecurityEvent& event) override;
};

}  // namespace trustcse::security
