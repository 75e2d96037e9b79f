// Store: the one storage interface of trustcse.
//
// Backends: storage/embedded (SQLite, WAL, the default), storage/memory (tests), and later
// storage/postgres. Every backend implements the same contract:
//
// Reads (Get, GetByPath, Children, Discover, Expired) may be called from any thread at any time
// and see only committed data. They do not block on writers.
//
// Writes go through Submit(). A WriteFn runs on the backend's single writer thread inside its
// own atomic unit (a SAVEPOINT in SQLite): if it returns a non-OK Status, nothing it did is kept
// and `done` receives that Status. The writer groups the WriteFns that arrive together into one
// durable transaction (group commit); `done` is called only after that transaction is durable
// (fsync'd), so a request acknowledged from `done` survives kill -9. The `done`s of committed
// writes are called in commit order, but possibly on a thread of their own while the writer
// already runs later WriteFns (state those read belongs in WriteTxn::AfterCommit); a failed
// write's `done` runs on the writer before any later WriteFn. `done` must be short and must not
// call Submit synchronously and wait on it.
//
// Because all WriteFns run one after another on one thread, a WriteFn may read state through the
// WriteTxn, decide, and write, without races (read-modify-write of counters, conflict checks).
//
// Errors: storage failures surface as Status 5000 with a generic message; details go to the log.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/histogram.h"
#include "common/status.h"
#include "storage/query.h"
#include "storage/record.h"

namespace trustcse::storage {

enum class ChildOrder { kOldestFirst, kNewestFirst };

// A stored object outside the resource tree — security state such as credentials, enrolment
// tokens and CA data — kept under (kind, id) as an opaque text body that storage never
// interprets. Objects share the resources' transactions, durability and group commit, and are
// never reachable through oneM2M addressing.
struct ObjectRecord {
  std::string kind;
  std::string id;
  std::string body;
};

// Reading operations shared by the Store (committed view) and the WriteTxn (the writer's view,
// which includes its own uncommitted changes).
class ReadView {
 public:
  virtual ~ReadView() = default;
  virtual Result<std::optional<ResourceRecord>> Get(std::string_view ri) = 0;
  virtual Result<std::optional<ResourceRecord>> GetByPath(std::string_view path) = 0;
  // Direct children of `pi`, optionally only of type `ty` (0 = any), ordered by creation time.
  virtual Result<std::vector<ResourceRecord>> Children(std::string_view pi, int ty,
                                                       ChildOrder order, size_t limit) = 0;
  // The body of object (kind, id), if any.
  virtual Result<std::optional<std::string>> GetObject(std::string_view kind,
                                                       std::string_view id) = 0;
  // Every object of `kind`, in id order.
  virtual Result<std::vector<ObjectRecord>> ListObjects(std::string_view kind) = 0;
};

// What a subtree holds (below its root, the root excluded): see WriteTxn::MeasureSubtree.
struct SubtreeSize {
  uint64_t resources = 0;
  uint64_t bytes = 0;          // of the records' bodies
  uint64_t subscriptions = 0;  // resources of type 23
};

class WriteTxn : public ReadView {
 public:
  // Fails with 4105 if the path or ri already exists.
  virtual Status Insert(const ResourceRecord& rec) = 0;
  // Replaces the record with the same ri. 4004 if absent.
  virtual Status Update(const ResourceRecord& rec) = 0;
  // Update for a hot record rewritten by many writes in a row (a container's counters on every
  // new instance): the caller guarantees that only lt, et, st and body differ from the stored
  // record. The backend may hold the new version and write only the last one of a group commit,
  // just before the commit. Reads through this WriteTxn see it at once; if the WriteFn fails it
  // is undone like any other write. 4004 if absent.
  virtual Status UpdateDeferred(const ResourceRecord& rec) { return Update(rec); }
  // Deletes the resource and its whole subtree; returns the deleted records (root first). If it
  // fails part-way, part of the subtree may be gone until the WriteFn fails, which it must do
  // on any error from this call (its whole write is then undone).
  virtual Result<std::vector<ResourceRecord>> DeleteSubtree(std::string_view ri) = 0;
  // Creates or replaces object (kind, id).
  virtual Status PutObject(std::string_view kind, std::string_view id, std::string_view body) = 0;
  // Deletes object (kind, id); false if there was none.
  virtual Result<bool> DeleteObject(std::string_view kind, std::string_view id) = 0;
  // Number and total cs of the direct children of `pi` of type `ty`.
  virtual Result<std::pair<uint64_t, uint64_t>> CountChildren(std::string_view pi, int ty) = 0;
  // The resources below `path` (any depth), at most `limit` of them examined: a caller that
  // only needs to know whether a bound is exceeded pays for the bound, not for the subtree.
  virtual Result<SubtreeSize> MeasureSubtree(std::string_view path, uint64_t limit) = 0;
  // Runs `fn` on the writer once this write has committed and before any later WriteFn runs;
  // never if the write fails. For in-memory state that later WriteFns read (an index of what is
  // stored): it must not run ahead of the commit, nor lag behind it as `done` may. `fn` must be
  // short and must not use the Store.
  virtual void AfterCommit(std::function<void()> fn) = 0;
};

using WriteFn = std::function<Status(WriteTxn&)>;
using WriteDone = std::function<void(Status)>;

class Store : public ReadView {
 public:
  // Resources below `q.root_path` matching `q`, as records (path order, offset/limit applied).
  virtual Result<std::vector<ResourceRecord>> Discover(const DiscoveryQuery& q) = 0;
  // Resources whose et is set and earlier than `now` (timestamp string), at most `limit`, the
  // soonest expired first (equal et in no particular order). Costs O(limit · log n), not
  // O(expired): a backlog of expired resources is taken in batches.
  virtual Result<std::vector<ResourceRecord>> Expired(std::string_view now, size_t limit) = 0;
  // Queues `fn` for the writer; see the class comment for the guarantees.
  virtual void Submit(WriteFn fn, WriteDone done) = 0;
  // Runs `fn` and waits for its durable completion. For start-up and tests, not the request path.
  Status SubmitAndWait(WriteFn fn);
  // Stops the writer after finishing what was submitted. Idempotent.
  virtual void Close() = 0;

  // What the writer has done, for monitoring; backends without a writer thread answer zeros.
  // Cheap (a short lock for the queue's length); any thread.
  struct BatchHistogram : FixedHistogram<10> {
    BatchHistogram() : FixedHistogram({1, 2, 4, 8, 16, 32, 64, 128, 256, 512}) {}
  };
  struct WriterStats {
    size_t queue_depth = 0;        // WriteFns submitted and not yet taken by the writer
    uint64_t commits = 0;          // group commits that became durable
    uint64_t failed_commits = 0;   // batches that failed as a whole (disk full, read-only, I/O)
    bool last_commit_ok = true;    // the latest batch committed
    LatencyHistogram::Snapshot commit_latency;  // µs from BEGIN to a durable COMMIT, per batch
    BatchHistogram::Snapshot batch_size;        // WriteFns per group commit
  };
  virtual WriterStats writer_stats() const { return {}; }
  // Readiness: a write transaction that changes nothing, through the writer, within `timeout`.
  // OK if the writer answered and its latest commit succeeded; 5000 otherwise (stuck, closed,
  // or the database no longer writable).
  Status Probe(std::chrono::milliseconds timeout);
};

struct SqliteOptions {
  std::string path;            // database file; its directory must exist
  size_t max_batch = 512;      // most WriteFns per group commit
  bool synchronous_full = true;  // fsync every commit (durability); off only in benchmarks
};

std::unique_ptr<Store> OpenMemoryStore();
// Opens (creating if needed) a SQLite database in WAL mode and starts its writer thread.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace trustcse::storage
