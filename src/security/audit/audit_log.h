// The audit log kept in the store (AUD-1): entries and the hashes of the complete subtrees of
// their RFC 9162 Merkle tree (merkle_tree.h), written inside the storage writer's transactions,
// so that an entry appended by a WriteFn is exactly as durable as that WriteFn's other writes:
// committed together in the same group commit, or rolled back together.
//
// Layout, as store objects (never reachable through oneM2M addressing):
//   kind "audit.entry", id = the index as 20 decimal digits, body = the entry's bytes;
//   kind "audit.node",  id = "<level, 2 digits>.<index, 20 digits>", body = hex of the hash of
//                       the complete subtree over leaves [index·2^level, …+2^level).
//   kind "audit.prune", id "state", body = {"below":N,"next":K}: entries [0, N) are pruned
//                       (retention: `trustcse audit prune`, archive.h); the bodies of [0, K)
//                       are deleted already, those of [K, N) are being deleted (K < N only
//                       while a prune is interrupted). Absent: nothing was pruned.
// Level-0 nodes are the leaf hashes as appended. Proofs are built from the nodes only, so an
// entry changed in the store afterwards breaks its own proof — LeafHash(entry) no longer leads
// to the signed root — and nobody else's: a verifier names exactly the changed entry. For the
// same reason pruning deletes entry bodies only: the nodes stay, so inclusion proofs of later
// entries and consistency proofs between any two sizes are built as before.
// Zero-padded ids keep the objects in index order and every append at the end of its B-tree.
//
// Writer side: `AuditLogWriter::Append` is called only from WriteFns (the storage writer runs
// them one at a time). It keeps the log's size and the frontier (the hash of the last complete
// subtree of each level whose count is odd) in memory, and checks at each append that the store
// still agrees (leaf size-1 present; leaf 0 absent while size is 0): a rollback removes a suffix
// of what was appended, so a WriteFn or a whole batch that was rolled back is noticed there and
// the state is read back from the store (O(log n) reads) — no failure path needs to tell this
// class about it. One writer per store (the instance lock keeps a second process out; a server
// shares one AuditLogWriter between its sink and its dispatcher). Costs per append: the entry,
// its leaf node, amortised one more node, one point read. The checks read level-0 nodes, not
// entries, so that a pruned log (entry bodies deleted) appends as before.
//
// Reader side (any thread, committed data only): `CommittedSize` finds the size by an
// exponential and binary search over level-0 node ids (O(log n) reads; nodes, because entry
// bodies may be pruned); `StoredSubtreeHashes` serves the proof algorithms of merkle_tree.h
// from a ReadView at a fixed size. Entries and nodes are never rewritten once committed (only
// entry bodies deleted by a prune), so reads need no lock against the writer.
//
// Errors: 5000 from the store; 4000 for a size beyond what is stored; 4004 "entries before N
// were pruned; they are in the archive" for an entry body a prune deleted. A stored node that
// is not 64 hex digits, or a missing node or entry (not pruned) below the size, is 5000 "audit
// log damaged".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "security/audit/merkle_tree.h"
#include "storage/store.h"

namespace trustcse::security::audit {

inline constexpr std::string_view kEntryKind = "audit.entry";
inline constexpr std::string_view kNodeKind = "audit.node";
inline constexpr std::string_view kPruneKind = "audit.prune";
inline constexpr std::string_view kPruneId = "state";

std::string EntryId(uint64_t index);
std::string NodeId(uint32_t level, uint64_t index);

// Appends from inside WriteFns. Not thread-safe: the storage writer is its only user.
class AuditLogWriter {
 public:
  // Appends `entry` in `txn` (its node hashes too); returns the entry's index.
  Result<uint64_t> Append(storage::WriteTxn& txn, std::string_view entry);
  // The size after the last append this object made (it may not be committed yet).
  uint64_t size() const { return size_; }

 private:
  Status Reload(storage::ReadView& view);
  Result<bool> StateMatches(storage::ReadView& view);

  bool loaded_ = false;
  uint64_t size_ = 0;
  // frontier_[k]: the hash of complete subtree (k, (size_ >> k) - 1) when (size_ >> k) is odd.
  std::array<std::optional<std::array<char, kHashSize>>, 64> frontier_;
};

// The number of committed entries, read from `view` (level-0 nodes: pruning does not change it).
Result<uint64_t> CommittedSize(storage::ReadView& view);

// How far the log is pruned (the "audit.prune" object; zeros if none): entries below `below`
// are gone for export and proofs; bodies below `next` are deleted already.
struct PruneState {
  uint64_t below = 0;
  uint64_t next = 0;
};
Result<PruneState> ReadPruneState(storage::ReadView& view);
std::string FormatPruneState(const PruneState& state);
// 4004 "audit log: entries before <below> were pruned; they are in the archive …", the answer
// for any request that needs an entry body below `below`.
Status PrunedError(uint64_t below);

// The subtree hashes of the first `size` entries, read from `view`. The caller makes sure that
// `size` entries are committed (CommittedSize); the view must outlive this object.
class StoredSubtreeHashes final : public SubtreeHashes {
 public:
  StoredSubtreeHashes(storage::ReadView& view, uint64_t size) : view_(view), size_(size) {}
  uint64_t size() const override { return size_; }
  Result<std::string> SubtreeHash(uint32_t level, uint64_t index) const override;
  // The entry at `index` (< size), as stored; PrunedError if a prune deleted it.
  Result<std::string> Entry(uint64_t index) const;

 private:
  storage::ReadView& view_;
  uint64_t size_;
};

}  // namespace trustcse::security::audit
