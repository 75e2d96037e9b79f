#include "security/audit/checkpointer.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>
#include <utility>

#include "security/audit/audit_log.h"
#include "security/audit/canonical_text.h"

namespace trustcse::security::audit {
namespace {

constexpr std::string_view kKeyPurpose = "audit:log-key";

Status KeyDamaged(const std::string& what) {
  return Status::Internal("audit log key damaged: " + what +
                          "; the audit.key object was changed outside the server: restore it "
                          "from a backup (docs/operations.md, \"Back up and restore\")");
}

// The key pair sealed in `body`, after checking it against the stored verifier key and origin.
Result<NoteKeyPair> LoadKey(const std::string& body, const KeyStore& keys) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  auto text = [&](std::string_view name) -> const boost::json::string* {
    const boost::json::value* m = o ? o->if_contains(name) : nullptr;
    return m ? m->if_string() : nullptr;
  };
  const boost::json::string* origin = text("origin");
  const boost::json::string* sealed = text("seed");
  const boost::json::string* verifier = text("verifier");
  if (origin == nullptr || sealed == nullptr || verifier == nullptr) {
    return Err(KeyDamaged("origin, verifier or sealed seed missing"));
  }
  auto seed = keys.Unseal(*sealed, kKeyPurpose);
  if (!seed) return Err(seed.error());
  auto key = NoteKeyPairFromSeed(*origin, std::move(*seed));
  if (!key)
    return Err(KeyDamaged("the sealed seed or the origin is invalid: " + key.error().message()));
  const std::string derived = FormatVerifierKey(key->verifier_key());
  if (derived != std::string_view(*verifier)) {
    return Err(KeyDamaged("the stored verifier key " + std::string(*verifier) +
                          " is not the key of the sealed seed under the stored origin \"" +
                          std::string(*origin) + "\" (" + derived +
                          "); checkpoints signed now would not verify under the key verifiers "
                          "were given"));
  }
  return key;
}

int64_t HourOf(TimePoint t) {
  return std::chrono::floor<std::chrono::hours>(t.time_since_epoch()).count();
}

std::optional<uint64_t> ParsePaddedIndex(std::string_view id) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
  if (ec != std::errc() || end != id.data() + id.size() || EntryId(v) != id) return std::nullopt;
  return v;
}

}  // namespace

std::vector<SealedField> AuditCheckpointer::SealedKeys() {
  return {{kKeyKind, "seed", [](std::string_view) { return std::string(kKeyPurpose); }}};
}

Result<std::unique_ptr<AuditCheckpointer>> AuditCheckpointer::Open(
    storage::Store& store, std::shared_ptr<const KeyStore> keys, std::string_view origin,
    ClockFn now) {
  if (!now) now = [] { return Now(); };
  auto make = [&](NoteKeyPair key) {
    return std::unique_ptr<AuditCheckpointer>(
        new AuditCheckpointer(store, std::move(key), std::move(now)));
  };
  auto stored = store.GetObject(kKeyKind, kKeyId);
  if (!stored) return Err(stored.error());
  if (*stored) {
    auto key = LoadKey(**stored, *keys);
    if (!key) return Err(key.error());
    return make(std::move(*key));
  }
  auto key = GenerateNoteKeyPair(origin);
  if (!key) return Err(key.error());
  auto sealed = keys->Seal(key->seed.view(), kKeyPurpose);
  if (!sealed) return Err(sealed.error());
  std::string body = boost::json::serialize(
      boost::json::object{{"origin", key->name},
                          {"verifier", FormatVerifierKey(key->verifier_key())},
                          {"seed", *sealed}});
  // Created inside the writer: of two processes racing here, the second keeps the first's key.
  std::string won;
  Status s = store.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    auto existing = txn.GetObject(kKeyKind, kKeyId);
    if (!existing) return existing.error();
    if (*existing) {
      won = **existing;
      return Status::Ok();
    }
    return txn.PutObject(kKeyKind, kKeyId, body);
  });
  if (!s.ok()) return Err(s);
  if (!won.empty()) {
    auto other = LoadKey(won, *keys);
    if (!other) return Err(other.error());
    return make(std::move(*other));
  }
  return make(std::move(*key));
}

AuditCheckpointer::AuditCheckpointer(storage::Store& store, NoteKeyPair key, ClockFn now)
    : store_(store), key_(std::move(key)), verifier_(key_.verifier_key()), now_(std::move(now)) {}

AuditCheckpointer::~AuditCheckpointer() { Stop(); }

Status AuditCheckpointer::Refuse(const std::string& why) {
  Status s = Status::Internal(
      "audit log: " + why +
      ". Nothing is signed until this is resolved: keep the database as evidence, restore the "
      "audit data from a backup made before the change (docs/operations.md, \"Back up and "
      "restore\"), and check the checkpoints verifiers saved against the restored log (`trustcse "
      "audit consistency`)");
  if (!refusal_logged_) spdlog::error("{}", s.message());
  refusal_logged_ = true;
  refusing_ = true;
  return s;
}

Status AuditCheckpointer::LoadHistory() {
  auto head = store_.GetObject(kHeadKind, kHeadId);
  if (!head) return head.error();
  if (*head) {
    auto c = OpenCheckpoint(**head, verifier_);
    if (!c) {
      return Refuse("the newest stored checkpoint (audit.head) does not open under the log key (" +
                    c.error().message() + "); it was changed outside the server");
    }
    previous_ = std::move(*c);
    last_note_ = std::move(**head);
    previous_verified_ = false;
  }
  auto kept = store_.GetObject(kHeadKind, kKeptHourId);
  if (!kept) return kept.error();
  if (*kept) {
    if (auto hour = ParseCanonicalDecimal(**kept)) kept_hour_ = static_cast<int64_t>(*hour);
  }
  auto pending = store_.ListObjects(kThinKind);
  if (!pending) return pending.error();
  thin_queue_.clear();
  for (const storage::ObjectRecord& r : *pending) {
    auto size = ParsePaddedIndex(r.id);
    auto signed_at = ParseTimestamp(r.body);
    if (!size || !signed_at) {
      spdlog::warn("audit: ignoring a damaged thinning record {}", r.id);
      continue;
    }
    thin_queue_.emplace_back(*size, *signed_at);
  }
  history_loaded_ = true;
  return Status::Ok();
}

Status AuditCheckpointer::CheckExtendsPrevious(const StoredSubtreeHashes& stored, uint64_t size,
                                               const std::string& root) {
  const uint64_t m = previous_->tree_size;
  const std::string which = "the stored tree is not consistent with checkpoint " +
                            std::to_string(m) + "; it was changed outside the server (";
  if (size < m) {
    return Refuse(which + "it holds " + std::to_string(size) + " entries, fewer than the " +
                  std::to_string(m) + " that checkpoint signed)");
  }
  auto proof = ConsistencyProofAt(stored, m, size);
  if (!proof) return Refuse(which + proof.error().message() + ")");
  if (Status s = VerifyConsistency(m, size, previous_->root_hash, root, *proof); !s.ok()) {
    return Refuse(which + s.message() + ")");
  }
  // The leaves since m are what the new checkpoint vouches for: each must be its entry's hash.
  for (uint64_t i = m; i < size; ++i) {
    auto entry = stored.Entry(i);
    auto leaf = stored.SubtreeHash(0, i);
    if (!entry || !leaf || LeafHash(*entry) != *leaf) {
      return Refuse(which + "entry " + std::to_string(i) + " does not match its leaf hash)");
    }
  }
  return Status::Ok();
}

Result<size_t> AuditCheckpointer::Thin(storage::WriteTxn& txn, TimePoint now, uint64_t newest) {
  size_t n = 0;
  for (const auto& [size, signed_at] : thin_queue_) {
    if (n == kThinBatch || size >= newest || signed_at + kKeepEvery > now) break;
    auto a = txn.DeleteObject(kCheckpointKind, EntryId(size));
    if (!a) return Err(a.error());
    auto b = txn.DeleteObject(kThinKind, EntryId(size));
    if (!b) return Err(b.error());
    ++n;
  }
  return n;
}

Status AuditCheckpointer::ThinWhileIdle() {
  if (thin_queue_.empty() || !previous_) return Status::Ok();
  const TimePoint now = now_();
  const auto& [size, signed_at] = thin_queue_.front();
  if (size >= previous_->tree_size || signed_at + kKeepEvery > now) return Status::Ok();
  size_t thinned = 0;
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    auto n = Thin(txn, now, previous_->tree_size);
    if (!n) return n.error();
    thinned = *n;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  thin_queue_.erase(thin_queue_.begin(), thin_queue_.begin() + static_cast<ptrdiff_t>(thinned));
  return Status::Ok();
}

Result<std::optional<std::string>> AuditCheckpointer::CheckpointNow() {
  std::lock_guard lock(sign_mu_);
  if (!history_loaded_) {
    if (Status s = LoadHistory(); !s.ok()) return Err(s);
  }
  auto size = CommittedSize(store_);
  if (!size) return Err(size.error());
  if (previous_ && previous_verified_ && *size == previous_->tree_size) {
    if (Status s = ThinWhileIdle(); !s.ok()) return Err(s);
    return std::optional<std::string>(last_note_);
  }
  if (*size == 0 && !previous_) return std::optional<std::string>();
  StoredSubtreeHashes stored(store_, *size);
  auto root = RootHashAt(stored, *size);
  if (!root) return Err(root.error());
  if (previous_) {
    if (Status s = CheckExtendsPrevious(stored, *size, *root); !s.ok()) return Err(s);
  }
  refusing_ = false;
  refusal_logged_ = false;
  if (previous_ && *size == previous_->tree_size) {  // the stored head, found intact
    previous_verified_ = true;
    return std::optional<std::string>(last_note_);
  }
  auto note = SignCheckpoint(Checkpoint{key_.name, *size, *root, {}}, key_);
  if (!note) return Err(note.error());
  const TimePoint now = now_();
  const int64_t hour = HourOf(now);
  const bool keeper = !kept_hour_ || *kept_hour_ != hour;
  size_t thinned = 0;
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    if (Status put = txn.PutObject(kCheckpointKind, EntryId(*size), *note); !put.ok()) return put;
    if (Status put = txn.PutObject(kHeadKind, kHeadId, *note); !put.ok()) return put;
    Status mark = keeper ? txn.PutObject(kHeadKind, kKeptHourId, std::to_string(hour))
                         : txn.PutObject(kThinKind, EntryId(*size), FormatTimestamp(now));
    if (!mark.ok()) return mark;
    auto n = Thin(txn, now, *size);
    if (!n) return n.error();
    thinned = *n;
    return Status::Ok();
  });
  if (!s.ok()) return Err(s);
  thin_queue_.erase(thin_queue_.begin(), thin_queue_.begin() + static_cast<ptrdiff_t>(thinned));
  if (keeper) {
    kept_hour_ = hour;
  } else {
    thin_queue_.emplace_back(*size, now);
  }
  previous_ = Checkpoint{key_.name, *size, *root, {}};
  previous_verified_ = true;
  last_note_ = *note;
  return std::optional<std::string>(std::move(*note));
}

void AuditCheckpointer::Start(std::chrono::milliseconds period) {
  if (thread_.joinable()) return;
  thread_ = std::thread([this, period] {
    pthread_setname_np(pthread_self(), "tc-audit-ckpt");
    std::unique_lock lock(run_mu_);
    while (!run_cv_.wait_for(lock, period, [&] { return stop_; })) {
      lock.unlock();
      // A refusal is logged once by CheckpointNow itself, not every period.
      if (auto r = CheckpointNow(); !r && !refusing_) {
        spdlog::error("audit: checkpoint failed: {}", r.error().message());
      }
      lock.lock();
    }
  });
}

void AuditCheckpointer::Stop() {
  {
    std::lock_guard lock(run_mu_);
    stop_ = true;
  }
  run_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace trustcse::security::audit
