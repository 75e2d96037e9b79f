// Bulk jobs of the trust centre (OP-2 "in bulk", operator interface "bulk operations from
// files"): one operation applied to many items — machines to record, subscriptions to add,
// subscriptions to move to a state — batch by batch, crash-safe and resumable.
//
// A job's progress is a store object (kind "tc-bulk", JSON) written in the same transaction as
// the batch it counts. After a crash — of the server or of the client that drives the job — the
// store therefore holds exactly the batches the progress record counts: the client asks where
// the job stands (`done`) and sends the items from there on. A batch must start where the job
// stands (its `offset` equals `done`), else it is refused with 4105 and nothing is applied: a
// batch sent twice (a client retrying after a lost answer) is never applied twice.
//
// Items fail one by one (an unknown ID, a transition the lifecycle lacks, a duplicate): the
// failure is counted, the first kMaxBulkErrors are kept with the item's position in the job
// ("item 12: no subscription S-x", counted from 1), and the
// other items of the batch are applied. A job's operation, total and parameters (the target
// state, the reason…) are fixed by its first batch; a later batch with others is refused (4000).
//
// Who drives jobs: the CLI (`trustcse device import`, `subscription import`, `subscription
// bulk`), which names a job after the SHA-256 of its operation, parameters and file, so that
// running the same command again resumes it. Thread-safety: any thread; batches of one job are
// serialized by the store's writer (the offset check runs there).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/store.h"

namespace trustcse::security::trust {

struct BulkJob {
  std::string id;
  std::string op;      // "device.import", "subscription.import", "subscription.bulk"
  std::string params;  // the operation's fixed arguments, as the first batch gave them
  std::string by;      // who started it
  std::string started, updated;
  uint64_t total = 0;      // items in the job
  uint64_t done = 0;       // items handled (applied, unchanged or failed), from the first on
  uint64_t changed = 0;    // items applied
  uint64_t unchanged = 0;  // items already as asked (idempotent)
  uint64_t failed = 0;
  std::vector<std::string> errors;  // the first kMaxErrors: "item 12 (SUB-x): why"
  bool finished() const { return done >= total; }
};
boost::json::object ToJson(const BulkJob& j);

// One batch of a job, as an admin operation gives it: {job, total, offset, <items>}.
struct BulkBatch {
  std::string job;
  std::string op, params;
  uint64_t total = 0, offset = 0;
  std::string by;
};

// What a batch did to its items, for the job's counters; errors by index within the batch.
struct BulkOutcome {
  uint64_t changed = 0, unchanged = 0;
  std::vector<std::pair<size_t, std::string>> errors;
};

inline constexpr std::string_view kBulkJobKind = "tc-bulk";
inline constexpr size_t kMaxBulkBatch = 10000;  // items per batch
inline constexpr size_t kMaxBulkErrors = 100;   // errors kept per job

// Reads job, total and offset from an admin operation's arguments `a`, for a batch of `items`
// items of operation `op` with fixed parameters `params`. 4000 if one is missing or out of
// range: a job ID of 1 to 64 letters, digits, '.', '_' or '-'; 1 to kMaxBulkBatch items; the
// batch within the total.
Result<BulkBatch> ParseBulkBatch(const boost::json::object& a, std::string op, std::string params,
                                 size_t items, std::string_view by);

// Job `id` as the store holds it (committed); nullopt if it never ran a batch.
Result<std::optional<BulkJob>> FindBulkJob(storage::ReadView& view, std::string_view id);

// Commits one batch of `count` items: runs `write` (the batch's own writes) and stores the job's
// progress with `outcome`, in one transaction through the store's writer, and waits for it.
// 4105 if the batch does not start where the job stands; 4000 if it names another operation,
// total or parameters than the job's first batch. Returns the job as committed.
Result<BulkJob> CommitBulkBatch(storage::Store& store, const BulkBatch& batch, size_t count,
                                const BulkOutcome& outcome,
                                std::function<Status(storage::WriteTxn&)> write);

}  // namespace trustcse::security::trust
