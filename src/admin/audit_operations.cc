// The audit log served read-only through the admin API (AUD-1, docs/audit.md): the verifier
// key, checkpoints, entries with their proofs, single-entry proofs and consistency proofs —
// the same texts the CLI writes, so that what an operator fetches verifies offline with
// `trustcse audit verify`. Nothing here writes; the reads see committed data only.
#include "admin/operations.h"
#include "primitive/json_util.h"
#include "security/audit/checkpointer.h"
#include "security/audit/consistency.h"

namespace trustcse::admin {
namespace {

namespace bj = boost::json;
namespace audit = security::audit;

// An unsigned integer argument; `fallback` when absent.
Result<uint64_t> Index(const bj::object& a, std::string_view k, uint64_t fallback) {
  if (!a.contains(k)) return fallback;
  auto v = json::GetInt(a, k);
  if (!v || *v < 0) return Err(Status::BadRequest(std::string(k) + " must be a number ≥ 0"));
  return static_cast<uint64_t>(*v);
}

// The checkpoint `note` says, opened with the log's stored key.
Result<audit::Checkpoint> Open(storage::ReadView& view, const std::string& note) {
  auto key = audit::AuditCheckpointer::StoredVerifierKey(view);
  if (!key) return Err(key.error());
  if (!*key) return Err(Status::NotFound("the audit log has no key yet"));
  return audit::OpenCheckpoint(note, **key);
}

Result<bj::object> NoteResult(storage::ReadView& view, const std::string& note) {
  auto c = Open(view, note);
  if (!c) return Err(c.error());
  return bj::object{{"checkpoint", note}, {"tree_size", c->tree_size}};
}

}  // namespace

Result<bj::object> Operations::Audit(std::string_view op, const bj::object& a) {
  if (!audit_view_) return Err(Status::NotFound("the audit log needs a running server"));
  storage::ReadView& view = *audit_view_;
  if (op == "audit.key") {
    auto key = audit::AuditCheckpointer::StoredVerifierKey(view);
    if (!key) return Err(key.error());
    if (!*key) return Err(Status::NotFound("the audit log has no key yet"));
    return bj::object{{"key", audit::FormatVerifierKey(**key)}};
  }
  if (op == "audit.checkpoint") {
    if (const auto* sign = a.if_contains("sign"); sign && sign->is_bool() && sign->as_bool()) {
      if (!sign_) return Err(Status::NotFound("checkpoints are signed by a running server"));
      auto note = sign_();
      if (!note) return Err(note.error());
      if (!*note) return Err(Status::NotFound("the audit log is empty"));
      return NoteResult(view, **note);
    }
    auto size = Index(a, "tree_size", 0);
    if (!size) return Err(size.error());
    auto note = *size == 0 ? audit::AuditCheckpointer::LatestCheckpoint(view)
                           : audit::AuditCheckpointer::StoredCheckpoint(view, *size);
    if (!note) return Err(note.error());
    if (!*note) {
      return Err(Status::NotFound(*size == 0 ? "the audit log has no checkpoint yet"
                                             : "no checkpoint of that tree size is kept"));
    }
    return NoteResult(view, **note);
  }
  if (op == "audit.entries") {
    auto from = Index(a, "from", 0);
    if (!from) return Err(from.error());
    auto to = Index(a, "to", 0);
    if (!to) return Err(to.error());
    if (*to == 0 || *to > *from + kMaxAuditEntries) {
      // At most kMaxAuditEntries per call: up to the newest checkpoint's size.
      auto latest = audit::AuditCheckpointer::LatestCheckpoint(view);
      if (!latest) return Err(latest.error());
      if (!*latest) return Err(Status::NotFound("the audit log has no checkpoint yet"));
      auto c = Open(view, **latest);
      if (!c) return Err(c.error());
      const uint64_t end = *to == 0 ? c->tree_size : *to;
      if (end > *from + kMaxAuditEntries) {
        return Err(Status::BadRequest("at most " + std::to_string(kMaxAuditEntries) +
                                      " entries per call: ask again from the next index, or "
                                      "use `trustcse audit export` for large ranges"));
      }
      *to = end;
    }
    auto bundle = audit::AuditCheckpointer::Export(view, *from, *to);
    if (!bundle) return Err(bundle.error());
    auto text = audit::FormatBundle(*bundle);
    if (!text) return Err(text.error());
    bj::array entries;
    for (const auto& e : bundle->entries) entries.emplace_back(e.entry);
    return bj::object{{"from", *from},
                      {"to", *to},
                      {"entries", std::move(entries)},
                      {"bundle", std::move(*text)}};
  }
  if (op == "audit.prove") {
    if (!a.contains("index")) return Err(Status::BadRequest("index is required"));
    auto index = Index(a, "index", 0);
    if (!index) return Err(index.error());
    std::string entry;
    auto proof = audit::AuditCheckpointer::Prove(view, *index, &entry);
    if (!proof) return Err(proof.error());
    return bj::object{{"index", *index}, {"entry", std::move(entry)}, {"proof", *proof}};
  }
  if (op == "audit.consistency") {
    const auto* old = a.if_contains("checkpoint");
    if (!old || !old->is_string()) {
      return Err(Status::BadRequest("checkpoint (a saved checkpoint note) is required"));
    }
    auto bundle = audit::AuditCheckpointer::Consistency(view, old->as_string());
    if (!bundle) return Err(bundle.error());
    auto text = audit::FormatConsistencyBundle(*bundle);
    if (!text) return Err(text.error());
    return bj::object{{"bundle", std::move(*text)}};
  }
  return Err(Status::NotFound("unknown operation"));
}

}  // namespace trustcse::admin
