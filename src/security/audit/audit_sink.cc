#include "security/audit/audit_sink.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "security/audit/audit_entry.h"

namespace trustcse::security::audit {

AuditSink::AuditSink(storage::Store& store, std::shared_ptr<AuditLogWriter> writer,
                     const events::EventStream* stream, std::string name, size_t max_in_flight,
                     uint64_t denials_per_second)
    : store_(store),
      writer_(std::move(writer)),
      stream_(stream),
      name_(std::move(name)),
      max_in_flight_(max_in_flight == 0 ? 1 : max_in_flight),
      denials_per_second_(denials_per_second) {}

void AuditSink::Consume(const events::Event& event) {
  if (event.recorded) return;  // appended with its data already
  if (stream_ != nullptr) {
    uint64_t dropped = stream_->dropped(name_);
    if (dropped > dropped_seen_) {
      Append(EncodeGap(event.time, dropped - dropped_seen_, "event queue full"));
      dropped_seen_ = dropped;
    }
  }
  if (!WithinDenialBudget(event)) return;
  if (event.kind == events::Kind::kCredentialUsed && !NewUse(event)) {
    if (event.durable) event.durable->Signal();  // on record already
    return;
  }
  Append(EncodeEntry(event), event.durable);
}

bool AuditSink::NewUse(const events::Event& event) {
  const int64_t hour =
      std::chrono::floor<std::chrono::hours>(event.time).time_since_epoch().count();
  std::string key = event.originator;
  key.push_back('\n');
  key.append(event.peer);
  auto it = uses_.find(key);
  if (it != uses_.end()) {
    if (it->second == hour) return false;
    it->second = hour;
    return true;
  }
  if (uses_.size() >= kMaxUses) uses_.clear();
  uses_.emplace(std::move(key), hour);
  return true;
}

bool AuditSink::WithinDenialBudget(const events::Event& event) {
  const int64_t second =
      std::chrono::floor<std::chrono::seconds>(event.time).time_since_epoch().count();
  if (second != denial_second_) {
    WriteHeldBackDenials(event.time);
    denial_second_ = second;
    denials_in_second_ = 0;
  }
  const bool denial = event.kind == events::Kind::kAccessDenied ||
                      event.kind == events::Kind::kHandshakeFailure;
  if (!denial || ++denials_in_second_ <= denials_per_second_) return true;
  ++denials_held_back_;
  return false;
}

void AuditSink::WriteHeldBackDenials(TimePoint time) {
  if (denials_held_back_ == 0) return;
  Append(EncodeGap(time, std::exchange(denials_held_back_, 0), "denials over budget"));
}

void AuditSink::Append(std::string entry, std::shared_ptr<events::Acknowledgement> durable) {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ < max_in_flight_; });
    ++in_flight_;
  }
  store_.Submit(
      [writer = writer_, entry = std::move(entry)](storage::WriteTxn& txn) -> Status {
        auto index = writer->Append(txn, entry);
        return index ? Status::Ok() : index.error();
      },
      [this, durable = std::move(durable)](Status s) {
        if (s.ok()) {
          appended_.fetch_add(1, std::memory_order_relaxed);
          if (durable) durable->Signal();
        } else {
          failed_.fetch_add(1, std::memory_order_relaxed);
          spdlog::error("audit: an entry could not be appended: {}", s.message());
        }
        std::lock_guard lock(mu_);
        --in_flight_;
        cv_.notify_all();
      });
}

void AuditSink::Flush() {
  WriteHeldBackDenials(Now());
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ == 0; });
}

}  // namespace trustcse::security::audit
