// The audit log's identity and its signed checkpoints (AUD-1, docs/audit.md).
//
// The log key: an Ed25519 key created on first use and kept in the store as object
// ("audit.key", "log") — {"origin": …, "verifier": <the verifier key, public>, "seed": <sealed
// by the KeyStore for "audit:log-key">} —
// so it never lies in the store in clear, and master-key rotation re-seals it (SealedKeys()).
// The origin (and key name) is given by the caller: one per CSE, for example
// "trustcse/id-in/audit". An existing key keeps its stored origin.
//
// Checkpoints: CheckpointNow() signs (origin, committed size, root) if the log grew since the
// last checkpoint and stores the note twice: ("audit.checkpoint", <size as 20 digits>), the
// history verifiers compare for consistency, and ("audit.head", "latest"), the newest, found in
// one read. Start() does that every `period` (C2SP logs: at most every second) on its own thread.
//
// Thread-safety: CheckpointNow, the accessors and LatestCheckpoint may run concurrently (the
// signing is serialized by a mutex); Start/Stop from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "security/audit/bundle.h"
#include "security/audit/checkpoint.h"
#include "security/keystore/key_store.h"
#include "storage/store.h"

namespace trustcse::security::audit {

class AuditCheckpointer {
 public:
  // Loads the log key from `store`, or creates and stores it (with `origin` as its name).
  static Result<std::unique_ptr<AuditCheckpointer>> Open(storage::Store& store,
                                                         std::shared_ptr<const KeyStore> keys,
                                                         std::string_view origin);
  ~AuditCheckpointer();
  AuditCheckpointer(const AuditCheckpointer&) = delete;
  AuditCheckpointer& operator=(const AuditCheckpointer&) = delete;

  // The sealed fields of the log key, for master-key rotation (key_rotation.h).
  static std::vector<SealedField> SealedKeys();

  const NoteVerifierKey& verifier_key() const { return verifier_; }
  // The newest signed checkpoint: a new one if the log grew since the last, else the last; none
  // while the log is empty.
  Result<std::optional<std::string>> CheckpointNow();
  void Start(std::chrono::milliseconds period);
  void Stop();

  // The newest stored checkpoint note, if any (any process, any time).
  static Result<std::optional<std::string>> LatestCheckpoint(storage::ReadView& view);
  // The log's verifier key as stored (no master key needed), if the log has a key yet.
  static Result<std::optional<NoteVerifierKey>> StoredVerifierKey(storage::ReadView& view);

  // Entries [from, to) with their proofs against the newest checkpoint (`to` = 0: up to its
  // size). 4000 if the range is empty, holds more than kMaxExport entries (the bundle is built
  // in memory: about 1 KiB per entry) or goes past the newest checkpoint (entries appended
  // since are proved by the next one, within a second while the server runs); 4004 if the log
  // has no checkpoint yet.
  static constexpr uint64_t kMaxExport = 100000;
  static Result<Bundle> Export(storage::ReadView& view, uint64_t from, uint64_t to);
  // The C2SP tlog-proof of entry `index` against the newest checkpoint; `entry` receives the
  // entry's bytes. Errors as Export.
  static Result<std::string> Prove(storage::ReadView& view, uint64_t index, std::string* entry);

 private:
  AuditCheckpointer(storage::Store& store, NoteKeyPair key);

  storage::Store& store_;
  const NoteKeyPair key_;
  const NoteVerifierKey verifier_;
  std::mutex sign_mu_;
  uint64_t signed_size_ = 0;  // guarded by sign_mu_
  std::string last_note_;     // guarded by sign_mu_
  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stop_ = false;  // guarded by run_mu_
  std::thread thread_;
};

}  // namespace trustcse::security::audit
