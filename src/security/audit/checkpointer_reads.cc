// The static readers of checkpointer.h: what any process reads from the store — the newest
// checkpoint, the key, export bundles, single proofs and consistency bundles — with committed
// data only, beside a running server.
#include <boost/json.hpp>
#include <utility>

#include "security/audit/audit_log.h"
#include "security/audit/checkpointer.h"
#include "security/audit/tlog_proof.h"

namespace trustcse::security::audit {
namespace {

// The newest checkpoint as stored, read without its signature (the reader is this log itself).
Result<std::pair<std::string, Checkpoint>> Newest(storage::ReadView& view) {
  auto note = AuditCheckpointer::LatestCheckpoint(view);
  if (!note) return Err(note.error());
  if (!*note) {
    return Err(Status::NotFound(
        "the audit log has no checkpoint yet: the server signs one within a second of the first "
        "entry"));
  }
  size_t split = (*note)->rfind("\n\n");
  auto c = split == std::string::npos
               ? Result<Checkpoint>(Err(Status::BadRequest("no text")))
               : ParseCheckpoint(std::string_view(**note).substr(0, split + 1));
  if (!c) return Err(Status::Internal("audit log damaged: newest checkpoint unreadable"));
  return std::make_pair(std::move(**note), std::move(*c));
}

Status Beyond(uint64_t size) {
  return Status::BadRequest("the newest checkpoint covers entries 0.." +
                            std::to_string(size == 0 ? 0 : size - 1) +
                            "; later entries are proved by the next checkpoint");
}

// PrunedError if `from` lies below the prune point.
Status CheckNotPruned(storage::ReadView& view, uint64_t from) {
  auto pruned = ReadPruneState(view);
  if (!pruned) return pruned.error();
  if (from < pruned->below) return PrunedError(pruned->below);
  return Status::Ok();
}

}  // namespace

Result<std::optional<std::string>> AuditCheckpointer::LatestCheckpoint(storage::ReadView& view) {
  return view.GetObject(kHeadKind, kHeadId);
}

Result<std::optional<std::string>> AuditCheckpointer::StoredCheckpoint(storage::ReadView& view,
                                                                       uint64_t size) {
  return view.GetObject(kCheckpointKind, EntryId(size));
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
                                  "and --to (each part verifies on its own), or use `trustcse "
                                  "audit archive`"));
  }
  if (Status s = CheckNotPruned(view, from); !s.ok()) return Err(s);
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
  if (Status s = CheckNotPruned(view, index); !s.ok()) return Err(s);
  StoredSubtreeHashes stored(view, size);
  auto bytes = stored.Entry(index);
  if (!bytes) return Err(bytes.error());
  auto proof = InclusionProofAt(stored, index, size);
  if (!proof) return Err(proof.error());
  if (entry != nullptr) *entry = std::move(*bytes);
  return FormatTlogProof({"", index, std::move(*proof), std::move(newest->first)});
}

Result<ConsistencyBundle> AuditCheckpointer::Consistency(storage::ReadView& view,
                                                         std::string_view old_note) {
  auto key = StoredVerifierKey(view);
  if (!key) return Err(key.error());
  if (!*key) return Err(Status::NotFound("the audit log has no key yet: start the server once"));
  auto old_c = OpenCheckpoint(old_note, **key);
  if (!old_c) {
    return Err(Status::BadRequest("the saved checkpoint is not one of this log's (" +
                                  old_c.error().message() + ")"));
  }
  auto newest = Newest(view);
  if (!newest) return Err(newest.error());
  const uint64_t m = old_c->tree_size;
  const uint64_t n = newest->second.tree_size;
  if (m > n) {
    return Err(Status::BadRequest("the saved checkpoint (tree size " + std::to_string(m) +
                                  ") is larger than the log's "
                                  "newest (" +
                                  std::to_string(n) +
                                  "): the log lost entries since it signed that "
                                  "checkpoint; keep the checkpoint as evidence"));
  }
  StoredSubtreeHashes stored(view, n);
  auto proof = ConsistencyProofAt(stored, m, n);
  if (!proof) return Err(proof.error());
  return ConsistencyBundle{std::move(*proof), std::string(old_note), std::move(newest->first)};
}

}  // namespace trustcse::security::audit
