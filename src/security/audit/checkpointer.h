// The audit log's identity and its signed checkpoints (AUD-1, docs/audit.md).
//
// The log key: an Ed25519 key created on first use and kept in the store as object
// ("audit.key", "log") — {"origin": …, "verifier": <the verifier key, public>, "seed": <sealed
// by the KeyStore for "audit:log-key">} —
// so it never lies in the store in clear, and master-key rotation re-seals it (SealedKeys()).
// The origin (and key name) is given by the caller: one per CSE, for example
// "trustcse/id-in/audit". An existing key keeps its stored origin. Open checks that the three
// agree: the verifier key derived from the unsealed seed under the stored origin must be the
// stored verifier key, the one third parties were given; otherwise the object was changed
// outside the server and Open fails (5000, naming the mismatch) rather than sign under a key
// nobody can check.
//
// Checkpoints: CheckpointNow() signs (origin, committed size, root) if the log grew since the
// last checkpoint and stores the note twice: ("audit.checkpoint", <size as 20 digits>), the
// history verifiers compare for consistency, and ("audit.head", "latest"), the newest, found in
// one read. Start() does that every `period` (C2SP logs: at most every second) on its own thread.
//
// No rewritten history is signed: before signing size N with root R, CheckpointNow compares the
// stored tree with the previous checkpoint (size M, root R') — the one it signed last, or at the
// first call of a process the stored ("audit.head", "latest"), opened with the log key. It
// builds the consistency proof M → N from the stored nodes and verifies it against R' and R
// (for N == M: the stored root must be R'), and checks that the leaves appended since M are the
// hashes of their stored entries. If that fails, or N < M, nothing is signed: CheckpointNow
// returns 5000 "audit log: the stored tree is not consistent with checkpoint M; …" (with what
// to do), logs it once, and keeps refusing until the stored tree agrees again (a restore).
// Entries changed below M are not read here; their own inclusion proofs expose them.
//
// Checkpoint history is bounded ("thinning"): every checkpoint is kept for an hour after it was
// signed; after that only the first checkpoint signed in each UTC clock hour (the hour's keeper)
// is kept, and the others are deleted. So the history holds at most the ~3,600 checkpoints of
// the last hour plus one per hour before it in which the log grew (24 a day, ~200 KiB a day).
// A non-keeper is recorded at signing as ("audit.thin", <size as 20 digits>) = its signing time
// (oneM2M timestamp), and the hour of the last keeper as ("audit.head", "kept-hour"), so the rule
// holds across restarts. The signing thread deletes the expired ones, oldest first, at most
// kThinBatch per call, in the transaction that stores the new checkpoint (or, while the log is
// idle, in one of their own); the newest checkpoint is never deleted. Checkpoints stored before
// thinning existed have no "audit.thin" record and are kept.
//
// Thread-safety: CheckpointNow, the accessors and the static readers may run concurrently (the
// signing is serialized by a mutex); Start/Stop from one thread. The static readers read
// committed data only and may run in any process beside a running server.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "security/audit/audit_log.h"
#include "security/audit/bundle.h"
#include "security/audit/checkpoint.h"
#include "security/audit/consistency.h"
#include "security/keystore/key_store.h"
#include "storage/store.h"

namespace trustcse::security::audit {

// The checkpointer's objects in the store (see above; docs/audit.md lists them all).
inline constexpr std::string_view kKeyKind = "audit.key";
inline constexpr std::string_view kKeyId = "log";
inline constexpr std::string_view kCheckpointKind = "audit.checkpoint";
inline constexpr std::string_view kHeadKind = "audit.head";
inline constexpr std::string_view kHeadId = "latest";
inline constexpr std::string_view kKeptHourId = "kept-hour";  // of kind kHeadKind
inline constexpr std::string_view kThinKind = "audit.thin";

class AuditCheckpointer {
 public:
  using ClockFn = std::function<TimePoint()>;

  // Loads the log key from `store`, or creates and stores it (with `origin` as its name).
  // `now` (default: the system clock) dates checkpoints for thinning; tests give their own.
  static Result<std::unique_ptr<AuditCheckpointer>> Open(storage::Store& store,
                                                         std::shared_ptr<const KeyStore> keys,
                                                         std::string_view origin,
                                                         ClockFn now = nullptr);
  ~AuditCheckpointer();
  AuditCheckpointer(const AuditCheckpointer&) = delete;
  AuditCheckpointer& operator=(const AuditCheckpointer&) = delete;

  // The sealed fields of the log key, for master-key rotation (key_rotation.h).
  static std::vector<SealedField> SealedKeys();

  // Thinning: how long every checkpoint is kept, and the most deleted per call.
  static constexpr std::chrono::hours kKeepEvery{1};
  static constexpr size_t kThinBatch = 256;

  const NoteVerifierKey& verifier_key() const { return verifier_; }
  // The newest signed checkpoint: a new one if the log grew since the last, else the last; none
  // while the log is empty. 5000 if the stored tree does not extend the previous checkpoint.
  Result<std::optional<std::string>> CheckpointNow();
  void Start(std::chrono::milliseconds period);
  void Stop();

  // The newest stored checkpoint note, if any (any process, any time).
  static Result<std::optional<std::string>> LatestCheckpoint(storage::ReadView& view);
  // The stored checkpoint of tree size `size`, if the history still holds it (see thinning).
  static Result<std::optional<std::string>> StoredCheckpoint(storage::ReadView& view,
                                                             uint64_t size);
  // The log's verifier key as stored (no master key needed), if the log has a key yet.
  static Result<std::optional<NoteVerifierKey>> StoredVerifierKey(storage::ReadView& view);

  // Entries [from, to) with their proofs against the newest checkpoint (`to` = 0: up to its
  // size). 4000 if the range is empty, holds more than kMaxExport entries (the bundle is built
  // in memory: about 1 KiB per entry) or goes past the newest checkpoint (entries appended
  // since are proved by the next one, within a second while the server runs); 4004 if the log
  // has no checkpoint yet, or `from` lies below the prune point (PrunedError).
  static constexpr uint64_t kMaxExport = 100000;
  static Result<Bundle> Export(storage::ReadView& view, uint64_t from, uint64_t to);
  // The C2SP tlog-proof of entry `index` against the newest checkpoint; `entry` receives the
  // entry's bytes. Errors as Export.
  static Result<std::string> Prove(storage::ReadView& view, uint64_t index, std::string* entry);
  // The consistency bundle (consistency.h) from `old_note` — a checkpoint of this log someone
  // saved, checked against the stored verifier key — to the newest checkpoint, its proof built
  // from the stored nodes. The bundle is built even if the stored tree no longer matches the
  // old root (it then fails to verify: that is the evidence). 4000 if the note is not this
  // log's or is newer than the newest checkpoint; 4004 if the log has no checkpoint yet.
  static Result<ConsistencyBundle> Consistency(storage::ReadView& view, std::string_view old_note);

 private:
  AuditCheckpointer(storage::Store& store, NoteKeyPair key, ClockFn now);

  // The previous checkpoint and the thinning records, read once per process.
  Status LoadHistory();
  // OK if the stored tree of `size` leaves with root `root` extends the previous checkpoint.
  Status CheckExtendsPrevious(const StoredSubtreeHashes& stored, uint64_t size,
                              const std::string& root);
  Status Refuse(const std::string& why);
  // Deletes expired non-keepers in `txn`; returns how many (the caller pops them on commit).
  Result<size_t> Thin(storage::WriteTxn& txn, TimePoint now, uint64_t newest);
  Status ThinWhileIdle();

  storage::Store& store_;
  const NoteKeyPair key_;
  const NoteVerifierKey verifier_;
  const ClockFn now_;
  std::mutex sign_mu_;
  // All guarded by sign_mu_:
  bool history_loaded_ = false;
  std::optional<Checkpoint> previous_;  // the last signed (or, after a start, the stored head)
  std::string last_note_;               // its note
  bool previous_verified_ = false;      // the stored tree was found to match previous_
  std::optional<int64_t> kept_hour_;    // hours since the epoch of the last keeper
  std::deque<std::pair<uint64_t, TimePoint>> thin_queue_;  // non-keepers, oldest first
  bool refusal_logged_ = false;
  std::atomic<bool> refusing_{false};  // the last CheckpointNow refused (the thread's logging)

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stop_ = false;  // guarded by run_mu_
  std::thread thread_;
};

}  // namespace trustcse::security::audit
