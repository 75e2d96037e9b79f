#include "security/audit/audit_log.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <utility>

#include "security/crypto/crypto.h"

namespace trustcse::security::audit {
namespace {

Status Damaged() { return Status::Internal("audit log damaged"); }

// Leaf `index` exists: its level-0 node (never pruned, unlike its entry's body).
Result<bool> LeafExists(storage::ReadView& view, uint64_t index) {
  auto body = view.GetObject(kNodeKind, NodeId(0, index));
  if (!body) return Err(body.error());
  return body->has_value();
}

std::array<char, kHashSize> ToArray(std::string_view h) {
  std::array<char, kHashSize> a{};
  std::copy_n(h.begin(), kHashSize, a.begin());
  return a;
}

std::string_view View(const std::array<char, kHashSize>& a) { return {a.data(), a.size()}; }

}  // namespace

std::string EntryId(uint64_t index) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(index));
  return buf;
}

std::string NodeId(uint32_t level, uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02u.%020llu", level, static_cast<unsigned long long>(index));
  return buf;
}

Result<uint64_t> CommittedSize(storage::ReadView& view) {
  auto first = LeafExists(view, 0);
  if (!first) return Err(first.error());
  if (!*first) return uint64_t{0};
  // Leaves are contiguous from 0: find a missing one by doubling, then the boundary between
  // the last present (lo) and the first missing (hi) by bisection.
  uint64_t lo = 0, hi = 1;
  for (;;) {
    auto e = LeafExists(view, hi);
    if (!e) return Err(e.error());
    if (!*e) break;
    lo = hi;
    if (hi >= (uint64_t{1} << 62)) return Err(Damaged());
    hi *= 2;
  }
  while (hi - lo > 1) {
    uint64_t mid = lo + (hi - lo) / 2;
    auto e = LeafExists(view, mid);
    if (!e) return Err(e.error());
    (*e ? lo : hi) = mid;
  }
  return hi;
}

Result<PruneState> ReadPruneState(storage::ReadView& view) {
  auto body = view.GetObject(kPruneKind, kPruneId);
  if (!body) return Err(body.error());
  if (!*body) return PruneState{};
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(**body, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  auto number = [&](std::string_view name) -> std::optional<uint64_t> {
    const boost::json::value* m = o ? o->if_contains(name) : nullptr;
    if (m == nullptr) return std::nullopt;
    if (m->is_uint64()) return m->as_uint64();
    if (m->is_int64() && m->as_int64() >= 0) return static_cast<uint64_t>(m->as_int64());
    return std::nullopt;
  };
  auto below = number("below");
  auto next = number("next");
  if (!below || !next || *next > *below) {
    return Err(Status::Internal("audit log damaged: the prune state (audit.prune) is unreadable"));
  }
  return PruneState{*below, *next};
}

std::string FormatPruneState(const PruneState& state) {
  return boost::json::serialize(boost::json::object{{"below", state.below}, {"next", state.next}});
}

Status PrunedError(uint64_t below) {
  return Status::NotFound("audit log: entries before " + std::to_string(below) +
                          " were pruned; they are in the archive (the bundles `trustcse audit "
                          "archive` wrote): verify those, and export or prove entries from " +
                          std::to_string(below) + " on (--from " + std::to_string(below) + ")");
}

Result<std::string> StoredSubtreeHashes::Entry(uint64_t index) const {
  if (index >= size_) return Err(Status::BadRequest("entry index is beyond the log"));
  auto body = view_.GetObject(kEntryKind, EntryId(index));
  if (!body) return Err(body.error());
  if (!*body) {
    auto pruned = ReadPruneState(view_);
    if (!pruned) return Err(pruned.error());
    if (index < pruned->below) return Err(PrunedError(pruned->below));
    return Err(Damaged());
  }
  return std::move(**body);
}

Result<std::string> StoredSubtreeHashes::SubtreeHash(uint32_t level, uint64_t index) const {
  if (level >= 63 || index > (size_ >> level) || ((index + 1) << level) > size_) {
    return Err(Status::BadRequest("no such complete subtree"));
  }
  auto body = view_.GetObject(kNodeKind, NodeId(level, index));
  if (!body) return Err(body.error());
  if (!*body || (*body)->size() != 2 * kHashSize) return Err(Damaged());
  auto hash = crypto::FromHex(**body);
  if (!hash) return Err(Damaged());
  return std::move(*hash);
}

Result<bool> AuditLogWriter::StateMatches(storage::ReadView& view) {
  // A rollback removes a suffix of what this writer appended, so the last leaf it wrote is the
  // one to look for; with no leaf written yet, the first must still be absent.
  if (size_ == 0) {
    auto first = LeafExists(view, 0);
    if (!first) return first;
    return !*first;
  }
  return LeafExists(view, size_ - 1);
}

Status AuditLogWriter::Reload(storage::ReadView& view) {
  loaded_ = false;
  auto size = CommittedSize(view);  // the writer's view: committed plus this batch's writes
  if (!size) return size.error();
  StoredSubtreeHashes stored(view, *size);
  for (uint32_t k = 0; k < frontier_.size(); ++k) {
    frontier_[k].reset();
    uint64_t count = *size >> k;
    if ((count & 1) == 0) continue;
    auto h = stored.SubtreeHash(k, count - 1);
    if (!h) return h.error();
    frontier_[k] = ToArray(*h);
  }
  size_ = *size;
  loaded_ = true;
  return Status::Ok();
}

Result<uint64_t> AuditLogWriter::Append(storage::WriteTxn& txn, std::string_view entry) {
  bool matches = false;
  if (loaded_) {
    auto m = StateMatches(txn);
    if (!m) return Err(m.error());
    matches = *m;
  }
  if (!matches) {
    if (Status s = Reload(txn); !s.ok()) return Err(s);
  }
  const uint64_t n = size_;
  // From here a failure leaves the frontier half-updated: read it back before the next append
  // (the WriteFn's writes are rolled back with it).
  loaded_ = false;
  if (Status s = txn.PutObject(kEntryKind, EntryId(n), entry); !s.ok()) return Err(s);
  // Leaf n completes the subtrees it closes: one per trailing 1 bit of n.
  std::string h = LeafHash(entry);
  if (Status s = txn.PutObject(kNodeKind, NodeId(0, n), crypto::Hex(h)); !s.ok()) return Err(s);
  uint32_t k = 0;
  uint64_t index = n;
  for (; (index & 1) != 0; ++k, index >>= 1) {
    if (!frontier_[k]) return Err(Damaged());
    h = NodeHash(View(*frontier_[k]), h);
    frontier_[k].reset();
    if (Status s = txn.PutObject(kNodeKind, NodeId(k + 1, index >> 1), crypto::Hex(h)); !s.ok()) {
      return Err(s);
    }
  }
  frontier_[k] = ToArray(h);
  size_ = n + 1;
  loaded_ = true;
  return n;
}

}  // namespace trustcse::security::audit
