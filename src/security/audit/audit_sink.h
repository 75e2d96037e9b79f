// The event stream's sink that writes the audit log (AUD-1): every event it receives becomes
// one canonical entry (audit_entry.h) appended through the store's writer (audit_log.h), so the
// entries are grouped into the same group commits as the data writes and are durable when those
// are.
//
// Denials (refused accesses, failed handshakes) are what one device holding one credential can
// produce at will: at most `denials_per_second` of them are logged one by one in each second of
// event time; the rest of that second are counted into one "audit.gap" entry (reason "denials
// over budget"), written with the next event of a later second or at Flush. Every other kind is
// always logged one by one, so a flood of denials can neither push out a revocation nor turn
// into unbounded durable writes.
//
// Credential use (every TLS/DTLS handshake that authenticated one) is logged the first time a
// credential is seen from an address in each hour of event time: a credential's first use, and
// a use from a new address, are always on record; a device reconnecting every minute from where
// it always is adds one entry an hour, not sixty. The sink remembers at most kMaxUses
// (credential, address) pairs; past that it forgets them all and starts over (an extra entry per
// pair, never a missing first use).
//
// Bounded: at most `max_in_flight` appends wait for the writer at any time. Beyond that, the
// sink's thread waits; its queue in the event stream fills; and the stream drops and counts
// events. The next entry the sink writes is then an "audit.gap" entry saying how many were
// lost, so the log records its own gaps instead of hiding them. A failed append (the store
// failing) is logged and counted; the event is not retried.
//
// Durability for who must wait (events::EmitDurably, operator actions): subscribe with
// `acknowledges`; the sink signals an event's Acknowledgement once its entry is durable.
//
// Thread-safety: Consume runs on the sink's thread (events/event_stream.h). The AuditLogWriter
// is used only inside the WriteFns, on the storage writer. The counters and Flush may be used
// from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "events/event_stream.h"
#include "security/audit/audit_log.h"
#include "storage/store.h"

namespace trustcse::security::audit {

// Kinds whose entries are appended inside the write they record (registrations, ACP changes:
// dispatcher/audit_writes.cc), so the sink must not append them again.
inline constexpr events::KindMask kAppendedWithTheirWrite =
    events::Bit(events::Kind::kRegistration) | events::Bit(events::Kind::kPolicyChange);
// What the sink subscribes to: every other security kind.
inline constexpr events::KindMask kSinkKinds = events::kSecurityKinds & ~kAppendedWithTheirWrite;

class AuditSink final : public events::Sink {
 public:
  // `stream` (may be null) is asked for this sink's drop count under `name`, the name it is
  // subscribed with. `store` and `writer` must outlive the sink's last append (Flush, or the
  // store's Close, which completes what was submitted).
  AuditSink(storage::Store& store, std::shared_ptr<AuditLogWriter> writer,
            const events::EventStream* stream, std::string name, size_t max_in_flight = 1024,
            uint64_t denials_per_second = 1000);

  void Consume(const events::Event& event) override;
  static constexpr size_t kMaxUses = 100000;

  // Entries durably appended, and appends that failed.
  uint64_t appended() const { return appended_.load(std::memory_order_relaxed); }
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }
  // Writes the count of denials held back in the current second, if any, then waits until
  // every append submitted so far has completed. Not concurrently with Consume (after the
  // event stream stopped).
  void Flush();

 private:
  // `durable`, if any, is signalled once the entry is durable (not if the append failed).
  void Append(std::string entry, std::shared_ptr<events::Acknowledgement> durable = nullptr);
  // False if `event` is a denial over this second's budget (it is counted instead); writes the
  // previous second's count first when a new second begins.
  bool WithinDenialBudget(const events::Event& event);
  void WriteHeldBackDenials(TimePoint time);
  // False for a credential use already logged from the same address in the same hour.
  bool NewUse(const events::Event& event);

  storage::Store& store_;
  std::shared_ptr<AuditLogWriter> writer_;
  const events::EventStream* stream_;
  const std::string name_;
  const size_t max_in_flight_;
  const uint64_t denials_per_second_;
  uint64_t dropped_seen_ = 0;  // the sink's thread only
  int64_t denial_second_ = 0;  // the sink's thread only: the second being counted
  uint64_t denials_in_second_ = 0;
  uint64_t denials_held_back_ = 0;
  std::unordered_map<std::string, int64_t> uses_;  // the sink's thread only: pair -> hour
  std::mutex mu_;
  std::condition_variable cv_;
  size_t in_flight_ = 0;  // guarded by mu_
  std::atomic<uint64_t> appended_{0};
  std::atomic<uint64_t> failed_{0};
};

}  // namespace trustcse::security::audit
