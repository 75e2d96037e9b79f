// The event stream: one owned, typed, ordered stream of what happens in the CSE that security,
// audit and analytics care about — access decisions (allowed and denied, with the deciding step
// and its reason), admission and trust decisions, credential issue / revoke / use, enrolment, CA
// operations, operator (admin) operations, TLS/DTLS handshake failures with the peer address —
// and the request observer's two events per request (entry and completion, with target,
// operation, binding, originator, sizes, status and latency).
//
// Producers call Publish() on any thread. Sinks subscribe (from server/, at start-up, before
// traffic) for the kinds they want, each with its own bounded queue and its own thread: a slow
// sink never blocks a producer and never delays another sink. When a sink's queue is full the
// event is dropped for that sink and its drop counter grows (dropped()). Each sink sees the
// events it receives in the order they were published to it; `seq` numbers events stream-wide
// (gaps in what one sink sees are other kinds, or drops).
//
// Cost on the request path: Wants(kind) is one relaxed atomic load, so producers build an event
// only when some sink wants its kind; with no sink for a kind nothing is allocated. A request's
// content is attached only for sinks that subscribed with `with_content`.
//
// Thread-safety: all methods may be called concurrently. Subscribe after Start is allowed but
// meant for start-up. Stop() drains nothing more than what is queued at that moment: each sink's
// thread finishes its queue and exits. Destruction stops.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace trustcse::events {

enum class Kind : uint8_t {
  kAccessAllowed,      // the security chain granted an access
  kAccessDenied,       // the security chain refused (step, reason, status)
  kAccessAudited,      // an allowed access a step asked to audit (the audit obligation)
  kAdmission,          // an admission decision (storm protection)
  kTrust,              // a trust decision (registry, black- and greylists)
  kCredentialIssued,
  kCredentialRevoked,
  kCredentialUsed,     // a secure channel authenticated with a credential
  kEnrolment,
  kCaOperation,        // certificate issued, revoked, CRL published
  kAdminOperation,     // an operator's operation through the CLI or the admin endpoint
  kHandshakeFailure,   // a TLS/DTLS handshake failed (peer address, reason)
  kRegistration,       // an AE or remoteCSE registered, was updated or deregistered
  kPolicyChange,       // an accessControlPolicy was created, changed or deleted
  kRequestStarted,     // request observer: a request entered the dispatcher
  kRequestCompleted,   // request observer: its response left
  kCount
};
std::string_view KindName(Kind k);

using KindMask = uint32_t;
constexpr KindMask Bit(Kind k) { return KindMask{1} << static_cast<unsigned>(k); }
constexpr KindMask kAllKinds = (KindMask{1} << static_cast<unsigned>(Kind::kCount)) - 1;
constexpr KindMask kSecurityKinds =
    Bit(Kind::kAccessDenied) | Bit(Kind::kAccessAudited) | Bit(Kind::kAdmission) |
    Bit(Kind::kTrust) | Bit(Kind::kCredentialIssued) | Bit(Kind::kCredentialRevoked) |
    Bit(Kind::kCredentialUsed) | Bit(Kind::kEnrolment) | Bit(Kind::kCaOperation) |
    Bit(Kind::kAdminOperation) | Bit(Kind::kHandshakeFailure) | Bit(Kind::kRegistration) |
    Bit(Kind::kPolicyChange);

// Signalled once by the sink that made an event durable (the audit log); waited for by the
// producer that must not answer before its action is on record (EmitDurably).
class Acknowledgement {
 public:
  void Signal();
  // True if signalled within `timeout`.
  bool Wait(std::chrono::milliseconds timeout);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mu_
};

// One event, owned (it outlives the request that caused it). Fields a kind does not use are
// empty. Never holds secrets: reasons name rules and checks, not keys or passwords.
struct Event {
  Kind kind = Kind::kAccessDenied;
  uint64_t seq = 0;             // set by Publish
  TimePoint time;
  std::string source;           // the producer: a chain step ("authz.acp"), "ca", "admin", …
  std::string originator;       // fr, or the credential / operator acting
  std::string target;           // resource path, credential ID, certificate serial, …
  std::string operation;        // "retrieve", "create", "revoke", …
  std::string binding;          // "http", "https", "coap", "coaps", "mqtt", "" (in process)
  std::string peer;             // the peer's address, where there is one
  std::string request_id;       // rqi
  std::string reason;           // why (denials, failures)
  int status = 0;               // oneM2M response status code, where there is one
  uint64_t request_bytes = 0;   // observer: size of the request content
  uint64_t response_bytes = 0;  // observer: size of the response content
  std::chrono::microseconds latency{0};  // observer: entry to completion
  bool audit = false;           // a step asked for this access to be audited (obligation)
  std::shared_ptr<const std::string> content;  // only for with_content subscriptions
  // Set by EmitDurably: the acknowledging sinks signal it once the event is durable.
  std::shared_ptr<Acknowledgement> durable;
  // Already in the audit log: appended in the write that made the change (registrations, ACP
  // changes, enrolments), published afterwards for the other sinks; the audit sink skips it.
  bool recorded = false;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Called on the sink's own thread, one event at a time, in order.
  virtual void Consume(const Event& event) = 0;
};

struct Subscription {
  KindMask kinds = 0;
  size_t queue_capacity = 4096;  // events held for this sink before drops begin
  bool with_content = false;     // the request observer attaches request contents
  std::string name;              // for the drop counters and logs
  // The sink signals Event::durable once it made the event durable (the audit log), so that
  // EmitDurably waits for events of these kinds.
  bool acknowledges = false;
};

class EventStream {
 public:
  EventStream();
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Adds a sink; it receives events of `sub.kinds` published from now on.
  void Subscribe(std::shared_ptr<Sink> sink, Subscription sub);
  // True if some sink wants events of this kind (cheap: check before building an event).
  bool Wants(Kind k) const {
    return (wanted_.load(std::memory_order_relaxed) & Bit(k)) != 0;
  }
  // True if some sink of this kind acknowledges durability (Subscription::acknowledges).
  bool Acknowledged(Kind k) const {
    return (acknowledged_.load(std::memory_order_relaxed) & Bit(k)) != 0;
  }
  // True if some sink of this kind asked for request contents.
  bool WantsContent(Kind k) const {
    return (content_wanted_.load(std::memory_order_relaxed) & Bit(k)) != 0;
  }
  // Hands the event to every sink that wants its kind; never blocks on a sink.
  void Publish(Event event);
  // Events dropped for the sink named `name` because its queue was full (0 if unknown).
  uint64_t dropped(std::string_view name) const;
  // Events dropped for all sinks together.
  uint64_t dropped_total() const;
  // Lets every sink's thread finish what is queued, then joins them. Idempotent.
  void Stop();

 private:
  struct Subscriber;
  std::atomic<KindMask> wanted_{0};
  std::atomic<KindMask> content_wanted_{0};
  std::atomic<KindMask> acknowledged_{0};
  std::atomic<uint64_t> seq_{0};
  // Written only by Subscribe (start-up), read by Publish: an immutable snapshot swapped whole.
  std::shared_ptr<const std::vector<std::shared_ptr<Subscriber>>> subscribers_;
  mutable std::atomic<bool> stopping_{false};
};

// Publishes one event of `kind` to `stream` if some sink wants it: nothing is built otherwise
// (a null stream is allowed). For producers off the request path (CA, credentials, enrolment,
// admin) and for rare events on it (handshake failures).
void Emit(EventStream* stream, Kind kind, std::string_view source, std::string_view originator,
          std::string_view target, std::string_view operation, std::string_view reason = {},
          int status = 0, std::string_view peer = {});

// Emit, then — if a sink acknowledges events of `kind` (the audit log) — waits until that sink
// made this event durable, at most `timeout`: for operator actions, which must be on record
// before they are answered. False if the wait timed out (the event queue was full and the event
// was dropped, or the store is failing); the event is then recorded as a gap, if at all.
bool EmitDurably(EventStream* stream, Kind kind, std::string_view source,
                 std::string_view originator, std::string_view target,
                 std::string_view operation, std::string_view reason = {}, int status = 0,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Writes each event as one structured log line (warnings for denials and failures, info for the
// rest; every denial and handshake failure names the peer's address): today's log lines as one
// sink of the stream. Handshake failures are limited to `handshake_lines_per_second` lines (a
// scan or a misconfigured fleet would flood the log); the lines left out are counted and
// reported in the next line that is written.
class LogSink final : public Sink {
 public:
  explicit LogSink(int handshake_lines_per_second = 10)
      : handshake_lines_per_second_(handshake_lines_per_second) {}
  void Consume(const Event& event) override;

 private:
  int handshake_lines_per_second_;
  int64_t window_second_ = 0;  // the sink's thread only
  int lines_in_window_ = 0;
  uint64_t suppressed_ = 0;
};

}  // namespace trustcse::events
