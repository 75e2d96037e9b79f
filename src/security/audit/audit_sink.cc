#include "security/audit/audit_sink.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "security/audit/audit_entry.h"

namespace trustcse::security::audit {

AuditSink::AuditSink(storage::Store& store, std::shared_ptr<AuditLogWriter> writer,
                     const events::EventStream* stream, std::string name, size_t max_in_flight)
    : store_(store),
      writer_(std::move(writer)),
      stream_(stream),
      name_(std::move(name)),
      max_in_flight_(max_in_flight == 0 ? 1 : max_in_flight) {}

void AuditSink::Consume(const events::Event& event) {
  if (stream_ != nullptr) {
    uint64_t dropped = stream_->dropped(name_);
    if (dropped > dropped_seen_) {
      Append(EncodeGap(event.time, dropped - dropped_seen_));
      dropped_seen_ = dropped;
    }
  }
  Append(EncodeEntry(event));
}

void AuditSink::Append(std::string entry) {
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
      [this](Status s) {
        if (s.ok()) {
          appended_.fetch_add(1, std::memory_order_relaxed);
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
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ == 0; });
}

}  // namespace trustcse::security::audit
