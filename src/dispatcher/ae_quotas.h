// AeQuotas: what each AE's subtree may hold — resources, bytes of their bodies, subscriptions —
// so that one device cannot fill the store (issue 11, item 7). Internal to the dispatcher.
//
// The counts live in memory and are kept on the storage writer thread only, where every write
// runs in order: no lock. An AE's usage is measured from the writer's own transaction the first
// time a write touches its subtree (WriteTxn::MeasureSubtree, which examines at most the
// resource limit plus one rows, so a measurement costs the bound, not the subtree), then
// follows the inserts and deletions of each write that succeeds (Apply). A write whose WriteFn
// fails leaves no trace (its Pending is dropped); a batch whose commit fails clears everything
// (Clear), and usage is measured again. At most `max_tracked` AEs are remembered; beyond, the
// memory is cleared and refilled on demand. Updates count their change in size (Resized); the
// deferred counter updates of hot containers do not (they change a few digits).
// Writes that bypass the dispatcher (a subscription the notifier deletes when its exc runs out)
// are not seen: so that such drift never refuses what fits, a refusal is only given on a count
// measured within the last kRemeasureAfter (measured again otherwise), which also bounds what
// an originator at its quota can make the writer scan.
//
// Only subtrees whose top resource (the child of the CSEBase) is an AE count; everything the
// CSE or the operator creates elsewhere is exempt. A limit of 0 is no limit.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "storage/store.h"

namespace trustcse::dispatcher {

class AeQuotas {
 public:
  struct Limits {
    uint64_t resources = 0;
    uint64_t bytes = 0;
    uint64_t subscriptions = 0;
  };
  // What one write changed, per AE (path of the AE), until it is applied.
  struct Change {
    std::string ae_path;
    int64_t resources = 0;
    int64_t bytes = 0;
    int64_t subscriptions = 0;
  };
  using Pending = std::vector<Change>;

  AeQuotas(std::string cse_name, Limits limits, size_t max_tracked = 100000)
      : cse_prefix_(std::move(cse_name) + "/"), limits_(limits), max_tracked_(max_tracked) {}
  bool enabled() const { return limits_.resources || limits_.bytes || limits_.subscriptions; }

  // Before `rec` is inserted by a write: 5207 if the AE it belongs to would exceed a limit;
  // otherwise records the insert in `pending`. Writer thread.
  Status Admit(storage::WriteTxn& txn, const storage::ResourceRecord& rec, Pending& pending);
  // After records were deleted by a write. Writer thread.
  void Removed(const std::vector<storage::ResourceRecord>& gone, Pending& pending);
  // Before a record of `path`, `old_bytes` long, is replaced by one `new_bytes` long: 5207 if
  // the growth would exceed the AE's bytes; otherwise records the change. Writer thread.
  Status Resized(storage::WriteTxn& txn, std::string_view path, uint64_t old_bytes,
                 uint64_t new_bytes, Pending& pending);
  // The write succeeded: its changes count from now on. Writer thread.
  void Apply(const Pending& pending);
  // A commit failed: forget every count (they are measured again). Writer thread.
  void Clear() { usage_.clear(); }

 private:
  static constexpr std::chrono::seconds kRemeasureAfter{10};
  struct Usage {
    bool exempt = false;  // the subtree's top resource is not an AE
    uint64_t resources = 0, bytes = 0, subscriptions = 0;
    std::chrono::steady_clock::time_point measured;
  };
  // The usage of `owner`, measured now if unknown (or if `refresh`). Writer thread.
  Result<Usage*> Find(storage::WriteTxn& txn, std::string_view owner, bool refresh);
  // Which limit `u` plus `c` plus one more record would exceed; nullptr if none.
  const char* Exceeds(const Usage& u, const Change& c, uint64_t add_bytes, bool subscription,
                      uint64_t* limit) const;
  // The AE path a record at `path` belongs to ("" = none, or the top resource itself).
  std::string_view OwnerOf(std::string_view path) const;
  Change& ChangeFor(Pending& pending, std::string_view ae_path);

  std::string cse_prefix_;  // "<CSEBase name>/"
  Limits limits_;
  size_t max_tracked_;
  std::unordered_map<std::string, Usage> usage_;
};

}  // namespace trustcse::dispatcher
