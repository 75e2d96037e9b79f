#include "security/audit/checkpointer.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <utility>

#include "security/audit/audit_log.h"
#include "security/audit/tlog_proof.h"

namespace trustcse::security::audit {
namespace {

constexpr std::string_view kKeyKind = "audit.key";
constexpr std::string_view kKeyId = "log";
constexpr std::string_view kKeyPurpose = "audit:log-key";
constexpr std::string_view kCheckpointKind = "audit.checkpoint";
constexpr std::string_view kHeadKind = "audit.head";
constexpr std::string_view kHeadId = "latest";

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
  if (origin == nullptr || sealed == nullptr) return Err(Status::Internal("audit log key damaged"));
  auto seed = keys.Unseal(*sealed, kKeyPurpose);
  if (!seed) return Err(seed.error());
  return NoteKeyPairFromSeed(*origin, std::move(*seed));
}

}  // namespace

std::vector<SealedField> AuditCheckpointer::SealedKeys() {
  return {{kKeyKind, "seed", [](std::string_view) { return std::string(kKeyPurpose); }}};
}

Result<std::unique_ptr<AuditCheckpointer>> AuditCheckpointer::Open(
    storage::Store& store, std::shared_ptr<const KeyStore> keys, std::string_view origin) {
  auto stored = store.GetObject(kKeyKind, kKeyId);
  if (!stored) return Err(stored.error());
  if (*stored) {
    auto key = LoadKey(**stored, *keys);
    if (!key) return Err(key.error());
    return std::unique_ptr<AuditCheckpointer>(new AuditCheckpointer(store, std::move(*key)));
  }
  auto key = GenerateNoteKeyPair(origin);
  if (!key) return Err(key.error());
  auto sealed = keys->Seal(key->seed.view(), kKeyPurpose);
  if (!sealed) return Err(sealed.error());
  std::string body = boost::json::serialize(boost::json::object{
      {"origin", key->name}, {"verifier", FormatVerifierKey(key->verifier_key())},
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
    return std::unique_ptr<AuditCheckpointer>(new AuditCheckpointer(store, std::move(*other)));
  }
  return std::unique_ptr<AuditCheckpointer>(new AuditCheckpointer(store, std::move(*key)));
}

AuditCheckpointer::AuditCheckpointer(storage::Store& store, NoteKeyPair key)
    : store_(store), key_(std::move(key)), verifier_(key_.verifier_key()) {}

AuditCheckpointer::~AuditCheckpointer() { Stop(); }

Result<std::optional<std::string>> AuditCheckpointer::CheckpointNow() {
  std::lock_guard lock(sign_mu_);
  auto size = CommittedSize(store_);
  if (!size) return Err(size.error());
  if (*size == 0) return std::optional<std::string>();
  if (*size == signed_size_) return std::optional<std::string>(last_note_);
  StoredSubtreeHashes stored(store_, *size);
  auto root = RootHashAt(stored, *size);
  if (!root) return Err(root.error());
  auto note = SignCheckpoint(Checkpoint{key_.name, *size, *root, {}}, key_);
  if (!note) return Err(note.error());
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    if (Status put = txn.PutObject(kCheckpointKind, EntryId(*size), *note); !put.ok()) return put;
    return txn.PutObject(kHeadKind, kHeadId, *note);
  });
  if (!s.ok()) return Err(s);
  signed_size_ = *size;
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
      if (auto r = CheckpointNow(); !r) {
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

Result<std::optional<std::string>> AuditCheckpointer::LatestCheckpoint(storage::ReadView& view) {
  return view.GetObject(kHeadKind, kHeadId);
}

Result<std::optional<NoteVerifierKey>> AuditCheckpointer::StoredVerifierKey(
    storage::ReadView& view) {
  auto body = view.GetObject(kKeyKind, kKeyId);
  if (!body) return Err(body.error());
  if (!*body) return std::optional<NoteVerifierKey>();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(**body, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  const boost::json::value* text = o ? o->if_contains("verifier") : nullptr;
  if (text == nullptr || !text->is_string()) return Err(Status::Internal("audit log key damaged"));
  auto key = ParseVerifierKey(text->as_string());
  if (!key) return Err(Status::Internal("audit log key damaged"));
  return std::optional<NoteVerifierKey>(std::move(*key));
}

namespace {

// The newest checkpoint as stored, read without its signature (the reader is this log itself).
Result<std::pair<std::string, Checkpoint>> Newest(storage::ReadView& view) {
  auto note = AuditCheckpointer::LatestCheckpoint(view);
  if (!note) return Err(note.error());
  if (!*note) return Err(Status::NotFound("the audit log has no checkpoint yet"));
  size_t split = (*note)->rfind("\n\n");
  auto c = split == std::string::npos ? Result<Checkpoint>(Err(Status::BadRequest("no text")))
                                      : ParseCheckpoint(std::string_view(**note).substr(0, split + 1));
  if (!c) return Err(Status::Internal("audit log damaged: newest checkpoint unreadable"));
  return std::make_pair(std::move(**note), std::move(*c));
}

Status Beyond(uint64_t size) {
  return Status::BadRequest("the newest checkpoint covers entries 0.." +
                            std::to_string(size == 0 ? 0 : size - 1) +
                            "; later entries are proved by the next checkpoint");
}

}  // namespace

Result<Bundle> AuditCheckpointer::Export(storage::ReadView& view, uint64_t from, uint64_t to) {
  auto newest = Newest(view);
  if (!newest) return Err(newest.error());
  const uint64_t size = newest->second.tree_size;
  if (to == 0) to = size;
  if (from >= to) return Err(Status::BadRequest("empty range: --from must be below --to"));
  if (to > size) return Err(Beyond(size));
  if (to - from > kMaxExport) {
    return Err(Status::BadRequest("at most " + std::to_string(kMaxExport) +
                                  " entries per bundle: export the range in parts with --from "
                                  "and --to (each part verifies on its own)"));
  }
  StoredSubtreeHashes stored(view, size);
  Bundle b;
  b.checkpoint_note = std::move(newest->first);
  b.entries.reserve(to - from);
  for (uint64_t i = from; i < to; ++i) {
    auto entry = stored.Entry(i);
    if (!entry) return Err(entry.error());
    auto proof = InclusionProofAt(stored, i, size);
    if (!proof) return Err(proof.error());
    b.entries.push_back({i, std::move(*entry), std::move(*proof)});
  }
  return b;
}

Result<std::string> AuditCheckpointer::Prove(storage::ReadView& view, uint64_t index,
                                             std::string* entry) {
  auto newest = Newest(view);
  if (!newest) return Err(newest.error());
  const uint64_t size = newest->second.tree_size;
  if (index >= size) return Err(Beyond(size));
  StoredSubtreeHashes stored(view, size);
  auto bytes = stored.Entry(index);
  if (!bytes) return Err(bytes.error());
  auto proof = InclusionProofAt(stored, index, size);
  if (!proof) return Err(proof.error());
  if (entry != nullptr) *entry = std::move(*bytes);
  return FormatTlogProof({"", index, std::move(*proof), std::move(newest->first)});
}

}  // namespace trustcse::security::audit
