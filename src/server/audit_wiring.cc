// The audit log (AUD-1, docs/audit.md): every security event of the event stream — denials,
// audited grants, admission and trust decisions, credentials issued, revoked and used,
// enrolment, CA and operator operations, handshake failures — appended to the Merkle-tree log
// in the store, in the writer's group commits; registrations and ACP changes are appended by
// the dispatcher inside their own writes (dispatcher/audit_writes.cc).
#include <spdlog/spdlog.h>

#include "security/audit/audit_entry.h"
#include "server/offline_audit.h"
#include "server/server_impl.h"

namespace trustcse::server {

namespace {

// Events held for the audit sink before the stream drops (and the log records a gap): a burst
// of denials from a scan waits here while the writer catches up.
constexpr size_t kAuditQueue = 65536;
constexpr std::string_view kAuditSinkName = "audit";
constexpr std::chrono::seconds kCheckpointPeriod{1};

}  // namespace

void Server::Impl::StartAuditLog() {
  audit_log = std::make_shared<security::audit::AuditLogWriter>();
  audit = std::make_shared<security::audit::AuditSink>(*store, audit_log, events.get(),
                                                       std::string(kAuditSinkName));
  // Acknowledging: operator actions wait until their entry is durable (events::EmitDurably).
  events->Subscribe(audit, events::Subscription{security::audit::kSinkKinds, kAuditQueue, false,
                                                std::string(kAuditSinkName), true});
}

Status Server::Impl::StartAuditCheckpoints() {
  auto log = security::audit::AuditCheckpointer::Open(*store, security.keys, AuditOrigin(config));
  if (!log) {
    return Status(log.error().code(), "audit log: cannot load or create the log key: " +
                                          log.error().message());
  }
  audit_checkpoints = std::move(*log);
  audit_checkpoints->Start(kCheckpointPeriod);
  // Enrolments are appended in their own write, like registrations.
  security.credentials->SetInWriteAudit(
      [writer = audit_log](storage::WriteTxn& txn, const events::Event& e) -> Status {
        auto index = writer->Append(txn, security::audit::EncodeEntry(e));
        return index ? Status::Ok() : index.error();
      });
  return Status::Ok();
}

void Server::Impl::ServeAuditLog(admin::Operations& operations) {
  operations.SetAuditLog(store.get(), [this]() -> Result<std::optional<std::string>> {
    // Until StopAuditLog, which runs after the admin API stopped.
    if (!audit_checkpoints) return Err(Status::NotFound("the audit log is stopping"));
    return audit_checkpoints->CheckpointNow();  // over every committed entry
  });
}

void Server::Impl::StopAuditLog() {
  if (audit) audit->Flush();
  if (!audit_checkpoints) return;
  audit_checkpoints->Stop();
  if (auto r = audit_checkpoints->CheckpointNow(); !r) {
    spdlog::error("audit: last checkpoint failed: {}", r.error().message());
  }
  audit_checkpoints.reset();  // it reads the store, which closes next
}

}  // namespace trustcse::server
