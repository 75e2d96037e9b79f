#include "server/offline_audit.h"

#include "security/audit/audit_sink.h"
#include "security/audit/checkpointer.h"

namespace trustcse::server {

std::string AuditOrigin(const Config& c) {
  std::string id = c.cse_id.starts_with("/") ? c.cse_id : "/" + c.cse_id;
  return "trustcse" + id + "/audit";
}

OfflineAudit::OfflineAudit(storage::Store& store)
    : store_(store), stream_(std::make_shared<events::EventStream>()) {
  sink_ = std::make_shared<security::audit::AuditSink>(
      store_, std::make_shared<security::audit::AuditLogWriter>(), stream_.get(), "audit");
  // Acknowledging, as the server's: an operator action (a bulk batch before it is applied) is
  // on record once EmitDurably returns.
  stream_->Subscribe(sink_, events::Subscription{security::audit::kSinkKinds, 4096, false,
                                                 "audit", true});
}

OfflineAudit::~OfflineAudit() {
  if (finished_) return;
  stream_->Stop();
  sink_->Flush();
}

Status OfflineAudit::Finish(const Config& c, std::shared_ptr<const security::KeyStore> keys) {
  finished_ = true;
  stream_->Stop();
  sink_->Flush();
  if (sink_->failed() > 0) {
    return Status::Internal("audit log: " + std::to_string(sink_->failed()) +
                            " entries could not be appended (see the log above)");
  }
  auto log = security::audit::AuditCheckpointer::Open(store_, std::move(keys), AuditOrigin(c));
  if (!log) return Status(log.error().code(), "audit log: " + log.error().message());
  auto note = (*log)->CheckpointNow();
  if (!note) return Status(note.error().code(), "audit log: " + note.error().message());
  return Status::Ok();
}

}  // namespace trustcse::server
