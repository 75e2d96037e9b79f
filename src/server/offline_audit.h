// The audit log for CLI commands that change the instance while no server runs (AUD-1): the
// operator operations run in process (admin/operations.h) and master-key rotation. Without this
// they would change credentials, the CA or the keys and leave no entry.
//
//   OfflineAudit audit(store);                  // a private event stream with the audit sink
//   services.credentials->SetEventStream(audit.stream());
//   … run the operation (its events go to the log) …
//   audit.Finish(config, keys);                 // waits for the entries, signs a checkpoint
//
// The entries go through the same sink and writer as a running server's, into the store's
// group commits; Finish signs a checkpoint over them with the log key (created on first use,
// as a server would), so they are provable at once.
//
// Thread-safety: one thread (the CLI's); the sink has its own thread inside the stream.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "events/event_stream.h"
#include "security/keystore/key_store.h"
#include "server/config.h"
#include "storage/store.h"

namespace trustcse::security::audit {
class AuditSink;
}  // namespace trustcse::security::audit

namespace trustcse::server {

// The audit log's origin for this instance's configuration: "trustcse/<cse_id>/audit", one
// per CSE so that two instances never sign under one name.
std::string AuditOrigin(const Config& c);

class OfflineAudit {
 public:
  // `store` must outlive Finish.
  explicit OfflineAudit(storage::Store& store);
  ~OfflineAudit();
  OfflineAudit(const OfflineAudit&) = delete;
  OfflineAudit& operator=(const OfflineAudit&) = delete;

  // Where the operation's producers publish.
  const std::shared_ptr<events::EventStream>& stream() const { return stream_; }
  // Stops the stream, waits until every entry is durable, then signs a checkpoint over the log
  // with the log key (`keys` unseals it). Errors name what failed; the entries stay either way.
  Status Finish(const Config& c, std::shared_ptr<const security::KeyStore> keys);

 private:
  storage::Store& store_;
  std::shared_ptr<events::EventStream> stream_;
  std::shared_ptr<security::audit::AuditSink> sink_;
  bool finished_ = false;
};

}  // namespace trustcse::server
